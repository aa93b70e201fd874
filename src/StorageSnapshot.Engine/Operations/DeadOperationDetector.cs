using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Operations.Journal;

namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// Finds journal entries left Running by processes that died (SIGKILL, power loss) and marks them
/// NeedsRecovery. A Running entry whose lock (<see cref="LockScope.Of"/>: its volume's, or its secondary storage's)
/// can be taken at once has no live owner: the lock is held from before phase one until after phase two and the
/// kernel drops it when its process dies. The target keeps the state phase one gave it (Creating, Reverting,
/// Deleting), which never reads as Ready; finishing or undoing the work is the repair command's job, which reads the
/// entry's typed details. With host lock files only this host's entries can be judged; with locks every host sees
/// (PostgreSQL's session-level advisory locks, <see cref="IOperationLocks.SpanHosts"/>) every entry can: a session
/// that ended — its host killed, its connection cut — has released its lock.
/// </summary>
internal static class DeadOperationDetector
{
    /// <summary>Marks every dead Running operation NeedsRecovery; returns the ones it marked.</summary>
    public static async Task<IReadOnlyList<Operation>> MarkAsync(ISnapshotInventory inventory, string lockDirectory, CancellationToken cancellationToken)
    {
        var running = await inventory.ListOperationsAsync(new[] { OperationState.Running }, null, null, cancellationToken).ConfigureAwait(false);
        var marked = new List<Operation>();
        var locks = running.Count == 0 ? null : OperationLocks.For(inventory, lockDirectory);
        foreach (var candidate in running)
        {
            // Host lock files: an entry another host runs cannot be judged from here.
            if (LockScope.Of(candidate) is not { } scope || (!locks!.SpanHosts && !OperationOwner.IsThisHost(candidate.Owner))) continue;
            await using var held = await locks.TryAcquireAsync(scope.Key, cancellationToken).ConfigureAwait(false);
            if (held is null) continue; // its owner (or a newer operation) is alive and working

            // Under the lock, re-read: the owner may have finished (and released the lock) since the list was read.
            await using var transaction = await inventory.BeginAsync(cancellationToken).ConfigureAwait(false);
            var current = await transaction.GetOperationAsync(candidate.Id, cancellationToken).ConfigureAwait(false);
            if (current is not { State: OperationState.Running }) continue;

            var dead = current with { State = OperationState.NeedsRecovery, Error = $"Its process ({current.Owner}) ended while the operation was running." };
            await transaction.UpdateOperationAsync(dead, cancellationToken).ConfigureAwait(false);
            await transaction.AppendEventAsync(StorageEvents.NeedsRecovery(dead), cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            marked.Add(dead);
        }
        return marked;
    }
}
