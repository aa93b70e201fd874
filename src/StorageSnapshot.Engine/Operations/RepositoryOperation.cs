using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// One change to a repository on secondary storage that no driver makes — removing a copy, collecting chunks —
/// split into the steps <see cref="OperationRunner"/> drives the way it drives a <see cref="TwoPhaseOperation{TResult}"/>:
/// locks → phase one (re-checks, journal entry Running, the target's new state) committed → the work on the
/// repository → phase two (success: final state, journal Succeeded, event; failure: the state that is true
/// now, journal Failed, event) → locks released last. Two locks are held for the whole run: a host-wide one
/// named by <see cref="LockKey"/> (what <see cref="DeadOperationDetector"/> tests to tell a dead run from a live
/// one) and the repository's own (<see cref="LockRepositoryAsync"/>), which other hosts sharing the storage see.
/// Nothing is compensated: what the work did is already the wanted state (a manifest gone, unreferenced chunks
/// gone). An instance is used once.
/// </summary>
/// <typeparam name="TResult">What the use case returns.</typeparam>
internal abstract class RepositoryOperation<TResult>
{
    protected RepositoryOperation(SecondaryStorage storage) => Storage = storage;

    /// <summary>The secondary storage whose repository is changed.</summary>
    public SecondaryStorage Storage { get; }

    /// <summary>Journal kind.</summary>
    public abstract OperationKind Kind { get; }

    /// <summary>"Copy" or "SecondaryStorage".</summary>
    public abstract string TargetType { get; }

    /// <summary>Inventory id (or name) of the target.</summary>
    public abstract string TargetId { get; }

    /// <summary>The target in words, for messages.</summary>
    public abstract string TargetDescription { get; }

    /// <summary>What the errors are about (the ErrorRecord's TargetObject): the inventory object acted on.</summary>
    public virtual object TargetObject => TargetDescription;

    /// <summary>What is done, in words fit for "failed to ...".</summary>
    public abstract string Verb { get; }

    /// <summary>The backend recorded on the journal entry and events (a copy's source backend; empty when none is concerned).</summary>
    public virtual string JournalBackend => "";

    /// <summary>The event recorded on success ("copy.deleted").</summary>
    public abstract string SucceededEvent { get; }

    /// <summary>Dotted prefix of the failure events ("copy" → copy.failed, copy.cancelled).</summary>
    public abstract string EventPrefix { get; }

    /// <summary>The host-wide lock held for the whole run (see <see cref="OperationLocks"/>).</summary>
    public abstract string LockKey { get; }

    /// <summary>Facts recorded in the journal entry for recovery.</summary>
    public abstract IReadOnlyDictionary<string, string> Details { get; }

    /// <summary>Takes the repository's lock this operation needs; <see cref="TimeoutException"/> when it stays held past <paramref name="timeout"/>.</summary>
    public abstract Task<IAsyncDisposable> LockRepositoryAsync(IChunkStore store, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>The error when the repository's lock stayed held (nothing was recorded or changed).</summary>
    public abstract StorageSnapshotException Busy(TimeoutException timeout);

    /// <summary>
    /// Phase one, inside the transaction and under both locks: re-reads what the checks depend on, refuses with a
    /// typed error, and writes the target's new state. Finish(result) ends at once without any work.
    /// </summary>
    public abstract Task<PhaseOneOutcome<TResult>> PrepareAsync(IInventoryTransaction transaction, IOperationOutput output, CancellationToken cancellationToken);

    /// <summary>The work on the repository.</summary>
    public abstract Task ExecuteAsync(IChunkStore store, IOperationOutput output, CancellationToken cancellationToken);

    /// <summary>Phase two after success: the target's final state. Returns the result and the event's message and bytes.</summary>
    public abstract Task<(TResult Result, string Message, long? Bytes)> CompleteAsync(IInventoryTransaction transaction, string operationId, CancellationToken cancellationToken);

    /// <summary>Phase two after failure: the target's state as the work left it.</summary>
    public abstract Task FailAsync(IInventoryTransaction transaction, FailureOutcome failure, CancellationToken cancellationToken);
}
