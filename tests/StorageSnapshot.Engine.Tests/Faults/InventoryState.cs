using StorageSnapshot.Engine.Inventory;

namespace StorageSnapshot.Engine.Tests.Faults;

/// <summary>Everything the inventory holds, read once after a run, for the model and the invariant checker.</summary>
internal sealed record InventoryState(
    IReadOnlyList<Volume> Volumes,
    IReadOnlyList<Snapshot> Snapshots,
    IReadOnlyList<SnapshotCopy> Copies,
    IReadOnlyList<Operation> Operations,
    IReadOnlyList<StorageEvent> Events)
{
    public static async Task<InventoryState> ReadAsync(ISnapshotInventory inventory)
    {
        var ct = CancellationToken.None;
        return new InventoryState(
            await inventory.ListVolumesAsync(null, ct),
            await inventory.ListSnapshotsAsync(new SnapshotQuery(), ct),
            await inventory.ListCopiesAsync(new CopyQuery(), ct),
            await inventory.ListOperationsAsync(null, null, null, ct),
            await inventory.ListEventsAsync(0, int.MaxValue, ct));
    }

    public Volume? Volume(string id) => Volumes.FirstOrDefault(v => v.Id == id);

    /// <summary>Entries a dead or live process left unfinished.</summary>
    public IEnumerable<Operation> Unfinished => Operations.Where(o => o.State is OperationState.Running or OperationState.NeedsRecovery);
}
