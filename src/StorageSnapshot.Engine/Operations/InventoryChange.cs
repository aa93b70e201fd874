using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Operations.Journal;

namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// A change to the inventory alone — no driver call, so nothing to journal or compensate: registering, changing
/// or unregistering a backend or a secondary storage, Set-StorageSnapshot. <see cref="OperationRunner.ApplyAsync"/>
/// runs every one the same way: the lock of <see cref="Lock"/> (a change to a volume's objects never interleaves
/// with an operation settling them), <see cref="BeforeAsync"/>, then one transaction in which
/// <see cref="ApplyAsync"/> re-reads what it depends on, refuses or writes, and names the one event it leaves.
/// Maintenance mode does not stop these changes.
/// </summary>
/// <typeparam name="TResult">What the use case returns.</typeparam>
internal abstract class InventoryChange<TResult>
{
    /// <summary>The lock to hold: the volume whose objects are changed, or null (backends, secondary storages).</summary>
    public virtual LockScope? Lock => null;

    /// <summary>What the errors of the change are about (the object, or the name asked for).</summary>
    public abstract object TargetObject { get; }

    /// <summary>
    /// Work outside the inventory that the record depends on, before its transaction (a new repository's format
    /// file). Nothing by default.
    /// </summary>
    public virtual Task BeforeAsync(IOperationOutput output, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Inside the change's one transaction: re-checks, refuses with a typed error or writes, and says what happened.</summary>
    public abstract Task<ChangeOutcome<TResult>> ApplyAsync(IInventoryTransaction transaction, CancellationToken cancellationToken);
}

/// <summary>What an inventory change did: its result and the one event it leaves.</summary>
internal sealed record ChangeOutcome<TResult>(TResult Result, EventKind Event, EventSubject Subject, string Message);
