using StorageSnapshot.Engine.Operations.Repair;

namespace StorageSnapshot.Engine.Facade;

// Repair of unfinished operations (Repair-StorageOperation): the rules are in Operations/Repair.
public sealed partial class StorageSnapshotEngine
{
    /// <summary>
    /// Settles one unfinished operation (NeedsRecovery, or an in-place restore that failed and left its volume in
    /// Error or its safety snapshot behind): rolls it forward or back as its journal entry and the storage decide,
    /// asking ShouldProcess once with which way and why. Returns the entry Recovered (at once, without asking, when
    /// it already was), or null when ShouldProcess said no. OperationNotFound for an unknown id; InvalidState for an
    /// entry that needs no repair (Running, Succeeded) or that cannot be repaired safely (the message says why).
    /// </summary>
    public Task<Operation?> RepairOperationAsync(string operationId, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (string.IsNullOrWhiteSpace(operationId)) throw Operations.EngineErrors.InvalidArgument("An operation id must not be empty.", operationId);
        return new OperationRepairer(Options.ForRunner(), Inventory, Secrets).RepairAsync(operationId, context);
    }

    /// <summary>The entries a repair settles, oldest first (NeedsRecovery, and failed in-place restores that left something behind).</summary>
    public async Task<IReadOnlyList<Operation>> GetRepairableOperationsAsync(OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var entries = await Inventory.ListOperationsAsync(new[] { OperationState.NeedsRecovery, OperationState.Failed }, null, null, context.CancellationToken).ConfigureAwait(false);
        return entries.Where(OperationRepairer.IsRepairable).ToList();
    }
}
