using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Inventory;

namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// What every journaled change has, whatever storage it changes: its journal facts (kind, target, details), phase
/// one (checks and the target's new state, committed with the journal entry before the storage is touched) and
/// phase two (the target's final state after success, or after failure and compensation). The storage work
/// itself is in the subclasses: <see cref="TwoPhaseOperation{TResult}"/> (a driver, under a volume's lock) and
/// <see cref="RepositoryOperation{TResult}"/> (a secondary storage's repository, under its lock).
/// <see cref="OperationRunner"/> drives both the same way. An instance is used once; it keeps what the storage
/// returned between the steps.
/// </summary>
/// <typeparam name="TResult">What the use case returns.</typeparam>
internal abstract class JournaledOperation<TResult>
{
    /// <summary>Journal kind.</summary>
    public abstract OperationKind Kind { get; }

    /// <summary>What kind of object the target is.</summary>
    public abstract TargetKind TargetKind { get; }

    /// <summary>Inventory id of the target (known before phase one: ids are made by the engine).</summary>
    public abstract string TargetId { get; }

    /// <summary>The target in words, for messages ("snapshot 'a' of volume 'v' on backend 'b'").</summary>
    public abstract string TargetDescription { get; }

    /// <summary>
    /// What the errors of this operation are about (their <see cref="StorageSnapshotException.Target"/>, which
    /// the cmdlets make the ErrorRecord's TargetObject): the inventory object acted on, so that a script can read
    /// its Id. Defaults to <see cref="TargetDescription"/> for operations that have no such object.
    /// </summary>
    public virtual object TargetObject => TargetDescription;

    /// <summary>What is done, in words fit for "failed to ..." ("create the snapshot").</summary>
    public abstract string Verb { get; }

    /// <summary>The secondary storage the operation involves (recorded in the journal entry), or null.</summary>
    public virtual string? Destination => null;

    /// <summary>
    /// After a failed or stopped storage call (and compensation): what was kept, in words, for the error — a copy's
    /// stored chunks, say. Null when there is nothing to add to "nothing was left half-done".
    /// </summary>
    public virtual string? AfterFailure => null;

    /// <summary>
    /// How to finish what a stopped operation left, for the error: in plain words (its RecommendedAction) and as a
    /// hint a front end words as its own command. Null when there is nothing to resume.
    /// </summary>
    public virtual (string Words, ErrorHint Hint)? HowToResume => null;

    /// <summary>The facts recorded in the journal entry for recovery: the details record of <see cref="Kind"/>.</summary>
    public abstract OperationDetails Details { get; }

    private Func<OperationDetails, CancellationToken, Task>? recordDetails;

    /// <summary>Called by <see cref="OperationRunner"/> once the journal entry exists: how to rewrite its details.</summary>
    internal void AttachJournal(Func<OperationDetails, CancellationToken, Task> record) => recordDetails = record;

    /// <summary>
    /// Commits the current <see cref="Details"/> to the journal entry at once, during the storage call: for facts
    /// learnt on the way (a safety snapshot just made) that a repair needs if the process dies before phase two.
    /// </summary>
    protected Task RecordDetailsAsync(CancellationToken cancellationToken) =>
        recordDetails?.Invoke(Details, cancellationToken) ?? Task.CompletedTask;

    /// <summary>
    /// Phase one, inside the transaction and under the lock: re-reads what the checks depend on (another process
    /// may have changed it since the caller looked), refuses with a typed error, and writes the target's new state.
    /// Returns a result to finish without touching the storage (an idempotent replay), else Continue.
    /// </summary>
    public abstract Task<PhaseOneOutcome<TResult>> PrepareAsync(IInventoryTransaction transaction, IOperationOutput output, CancellationToken cancellationToken);

    /// <summary>Phase two after success: the target's final state. Returns the result and the event's message and bytes.</summary>
    public abstract Task<(TResult Result, string Message, long? Bytes)> CompleteAsync(IInventoryTransaction transaction, string operationId, CancellationToken cancellationToken);

    /// <summary>
    /// Phase two after failure: the target's state once compensation ran (or failed: <see cref="FailureOutcome.Compensated"/>
    /// false). Never Ready/Available unless the storage call is known to have changed nothing.
    /// </summary>
    public abstract Task FailAsync(IInventoryTransaction transaction, FailureOutcome failure, CancellationToken cancellationToken);
}

/// <summary>
/// A change that calls a driver: under the lock of <see cref="Volume"/>, with a driver session on
/// <see cref="Backend"/> that has <see cref="RequiredCapability"/>.
/// </summary>
internal abstract class TwoPhaseOperation<TResult> : JournaledOperation<TResult>
{
    protected TwoPhaseOperation(string backend, string volume)
    {
        Backend = backend;
        Volume = volume;
    }

    /// <summary>Backend whose driver does the work (and whose maintenance mode gates it).</summary>
    public string Backend { get; }

    /// <summary>Name of the volume whose lock the operation holds.</summary>
    public string Volume { get; }

    /// <summary>The capability the driver call needs.</summary>
    public abstract DriverCapabilities RequiredCapability { get; }

    /// <summary>The driver call.</summary>
    public abstract Task ExecuteAsync(IDriverBackend driver, CancellationToken cancellationToken);

    /// <summary>Undoes what a failed or cancelled driver call may have left on the storage. Throws when it cannot.</summary>
    public abstract Task CompensateAsync(IDriverBackend driver, CancellationToken cancellationToken);
}

/// <summary>What phase one decided: go on (write done) or finish at once with <see cref="Result"/>.</summary>
internal readonly record struct PhaseOneOutcome<TResult>(bool Proceed, TResult? Result)
{
    /// <summary>Go on to the storage call.</summary>
    public static PhaseOneOutcome<TResult> Continue => new(true, default);

    /// <summary>Stop here and return <paramref name="result"/>; phase one's transaction is rolled back.</summary>
    public static PhaseOneOutcome<TResult> Finish(TResult result) => new(false, result);
}

/// <summary>How a storage call ended badly.</summary>
/// <param name="Message">The error's message, as stored on the target and the journal entry.</param>
/// <param name="Cancelled">True when the caller cancelled.</param>
/// <param name="Compensated">True when compensation ran to the end (the storage holds nothing half-made).</param>
internal sealed record FailureOutcome(string Message, bool Cancelled, bool Compensated);
