namespace StorageSnapshot.Engine.Inventory;

/// <summary>
/// What moving a whole inventory to another store needs beyond the everyday interface: the rows the everyday reads
/// do not reach (policy-copy rows of forgotten policies) and events written with the sequence numbers they have
/// (an append assigns a new one). Both stores implement it; <see cref="InventoryCopier"/> uses it.
/// </summary>
internal interface IInventoryImport
{
    /// <summary>Every policy-copy row, by copy id.</summary>
    Task<IReadOnlyList<PolicyCopy>> ListAllPolicyCopiesAsync(CancellationToken cancellationToken);

    /// <summary>The transaction's side: writes an event with its own sequence, user and host (the store's counter follows).</summary>
    Task ImportEventAsync(IInventoryTransaction transaction, StorageEvent storageEvent, CancellationToken cancellationToken);
}
