namespace StorageSnapshot.Engine.Operations.Repair;

/// <summary>
/// Rules for the operations Test-StorageInventory -Repair and Import-SnapshotCopy leave unfinished. Both write the
/// inventory only in their last transaction (phase two), so a dead one recorded nothing: it is rolled back, which
/// changes nothing. What a drift removal may already have deleted from the storage (an orphan, leftovers, chunks)
/// was not in the inventory, or is reported again by the next Test-StorageInventory; an import is simply run again.
/// </summary>
internal static class DriftRepairs
{
    public static Task<RepairDecision> RepairDriftAsync(RepairScene scene, RepairDriftDetails details, CancellationToken cancellationToken)
    {
        _ = scene;
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(new RepairDecision(RecoveryDirection.RolledBack,
            "a drift repair writes the inventory only in its last step, so nothing of it was recorded",
            $"leave the inventory as it is; compare the inventory with the storage again to see whether the {details.Drift} {details.ObjectType} '{details.Name}' still needs {details.Action}")
        {
            SettleAsync = static (_, _) => Task.CompletedTask,
        });
    }

    public static Task<RepairDecision> ImportCopiesAsync(RepairScene scene, ImportCopiesDetails details, CancellationToken cancellationToken)
    {
        _ = scene;
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(new RepairDecision(RecoveryDirection.RolledBack,
            "an import writes its copy records in one last transaction, so none was recorded",
            $"leave the inventory as it is; import the copies of '{details.Destination}' again")
        {
            SettleAsync = static (_, _) => Task.CompletedTask,
        });
    }
}
