using StorageSnapshot.Engine.Inventory;

namespace StorageSnapshot.Engine.Operations.Repair;

/// <summary>
/// What a repair of one journal entry will do, decided before anything changes (so that ShouldProcess can say it):
/// which way (<see cref="Direction"/>), why (what the journal recorded and the storage shows), what (in words), the
/// storage work (<see cref="OnStorageAsync"/>, which must be safe to run again: a repair killed half-way is run again
/// by the next repair) and the inventory's settled state (<see cref="SettleAsync"/>, in the transaction that marks
/// the entry Recovered).
/// </summary>
internal sealed record RepairDecision(RecoveryDirection Direction, string Why, string What)
{
    /// <summary>Finishes or undoes the work on the storage. Idempotent.</summary>
    public Func<CancellationToken, Task> OnStorageAsync { get; init; } = static _ => Task.CompletedTask;

    /// <summary>Leaves every object the operation touched settled (Ready/Available, or gone).</summary>
    public required Func<IInventoryTransaction, CancellationToken, Task> SettleAsync { get; init; }

    /// <summary>"Roll forward" / "Roll back", for the ShouldProcess action.</summary>
    public string Way => Direction == RecoveryDirection.RolledForward ? "Roll forward" : "Roll back";
}
