namespace StorageSnapshot.Engine.Facade;

// The operation journal, read-only here; repair of NeedsRecovery entries comes with the repair command.
public sealed partial class StorageSnapshotEngine
{
    /// <summary>The operation journal (for Get-StorageOperation and repair), oldest first; all states when null.</summary>
    public Task<IReadOnlyList<Operation>> GetOperationsAsync(IReadOnlyCollection<OperationState>? states, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Inventory.ListOperationsAsync(states is { Count: > 0 } ? states : null, null, null, context.CancellationToken);
    }
}
