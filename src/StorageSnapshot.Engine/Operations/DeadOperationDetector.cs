using StorageSnapshot.Engine.Inventory;

namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// Finds journal entries left Running by processes that died (SIGKILL, power loss) and marks them
/// NeedsRecovery. A Running entry whose lock (its volume's, or its copy's or secondary storage's for the
/// operations on a repository: <see cref="OperationLocks"/>) can be taken at once has no live owner: the lock is
/// held from before phase one until after phase two and the kernel drops it when its process dies. The target keeps
/// the state phase one gave it (Creating, Reverting, Deleting), which never reads as Ready; finishing or
/// undoing the work is the repair command's job (not written yet), which reads the entry's Details.
/// </summary>
internal static class DeadOperationDetector
{
    /// <summary>Marks every dead Running operation NeedsRecovery; returns the ones it marked.</summary>
    public static async Task<IReadOnlyList<Operation>> MarkAsync(ISnapshotInventory inventory, string lockDirectory, CancellationToken cancellationToken)
    {
        var running = await inventory.ListOperationsAsync(new[] { OperationState.Running }, null, null, cancellationToken).ConfigureAwait(false);
        var marked = new List<Operation>();
        foreach (var candidate in running)
        {
            // The lock is host-local: an entry another host runs (a shared inventory) cannot be judged from here.
            if (OperationLocks.KeyOf(candidate) is not { } key || !OperationOwner.IsThisHost(candidate.Owner)) continue;
            using var operationLock = VolumeLock.TryAcquire(lockDirectory, key);
            if (operationLock is null) continue; // its owner (or a newer operation) is alive and working

            // Under the lock, re-read: the owner may have finished (and released the lock) since the list was read.
            await using var transaction = await inventory.BeginAsync(cancellationToken).ConfigureAwait(false);
            var current = await transaction.GetOperationAsync(candidate.Id, cancellationToken).ConfigureAwait(false);
            if (current is not { State: OperationState.Running }) continue;

            var dead = current with { State = OperationState.NeedsRecovery, Error = $"Its process ({current.Owner}) ended while the operation was running." };
            await transaction.UpdateOperationAsync(dead, cancellationToken).ConfigureAwait(false);
            await transaction.AppendEventAsync(new StorageEvent
            {
                TimeUtc = DateTime.UtcNow,
                Kind = "operation.needs-recovery",
                Backend = current.Backend,
                Volume = current.Volume,
                TargetType = current.TargetType,
                TargetId = current.TargetId,
                OperationId = current.Id,
                Message = $"Operation {current.Id} ({current.Kind}) was left running by a process that ended; marked for recovery.",
            }, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            marked.Add(dead);
        }
        return marked;
    }
}
