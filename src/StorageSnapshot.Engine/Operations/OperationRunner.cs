using System.Globalization;
using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Naming;
using StorageSnapshot.Engine.Operations.Journal;
using StorageSnapshot.Engine.Secondary.Repository;
using StorageSnapshot.Engine.Secrets;

namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// The one path for every change of state. Inventory-only changes (<see cref="ApplyAsync"/>): the lock their
/// target needs, one transaction, one event. Storage changes, journaled: take the lock → open the storage (a
/// driver session, a repository) → phase one (checks, journal entry Running, the target's new state) committed →
/// the storage call → phase two (success: final state, journal Succeeded, event; failure: compensation, Error or
/// old state, journal Failed, event) → lock released last. If the process dies in between, the journal entry
/// stays Running with its lock gone, which is how <see cref="DeadOperationDetector"/> finds it on the next open.
/// Events are made by <see cref="StorageEvents"/> alone.
/// </summary>
internal sealed partial class OperationRunner
{
    private readonly RunnerSettings options;
    private readonly ISnapshotInventory inventory;
    private readonly BackendSecrets secrets;
    private readonly IOperationLocks locks;

    public OperationRunner(RunnerSettings options, ISnapshotInventory inventory, BackendSecrets secrets)
    {
        this.options = options;
        this.inventory = inventory;
        this.secrets = secrets;
        locks = OperationLocks.For(inventory, options.LockDirectory);
    }

    /// <summary>Applies an inventory-only change: its lock, one transaction, one event. Returns its result or throws its typed refusal.</summary>
    public async Task<TResult> ApplyAsync<TResult>(InventoryChange<TResult> change, OperationContext context)
    {
        var cancellationToken = context.CancellationToken;
        await using var held = change.Lock is { } scope ? await LockAsync(scope, change.TargetObject, context).ConfigureAwait(false) : null;
        await change.BeforeAsync(context.Output, cancellationToken).ConfigureAwait(false);
        // The change reads what decides its writes: serialisable where the store is not serial already, retried whole
        // when a concurrent writer on another host made it fail (InventoryRetry).
        return await InventoryRetry.RunAsync(async () =>
        {
            await using var transaction = await inventory.BeginSerializableAsync(cancellationToken).ConfigureAwait(false);
            var outcome = await change.ApplyAsync(transaction, cancellationToken).ConfigureAwait(false);
            await transaction.AppendEventAsync(StorageEvents.Of(outcome.Event, outcome.Subject, outcome.Message), cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return outcome.Result;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a driver operation to its end; throws the typed error when it is refused or fails.</summary>
    public async Task<TResult> RunAsync<TResult>(TwoPhaseOperation<TResult> operation, OperationContext context)
    {
        var output = context.Output;
        var cancellationToken = context.CancellationToken;
        var scope = LockScope.OfVolume(operation.Backend, operation.Volume);

        await using var held = await LockAsync(scope, operation.TargetObject, context).ConfigureAwait(false);
        output.WriteVerbose($"Holding the lock of {scope.Description}.");

        // The session is opened before phase one so that a backend that cannot do the operation is refused before
        // anything is written (the driver's declared capabilities may be narrowed by the device). Maintenance mode
        // is checked once, in phase one's transaction, together with the properties the session was opened with.
        var backend = await BeforeAnyChangeAsync(() => inventory.GetBackendAsync(operation.Backend, cancellationToken), operation, cancellationToken).ConfigureAwait(false)
                      ?? throw EngineErrors.BackendNotFound(operation.Backend);
        var driver = options.Drivers.Get(backend.Driver);
        // The clear secret properties go to the driver and nowhere else; whatever the driver says is masked with them.
        var properties = secrets.Reveal(backend);
        var secretValues = BackendSecrets.SecretValues(driver, properties);
        StorageSnapshotException Classify(Exception ex) => ClassifyDriverError(ex, operation, backend, secretValues, cancellationToken);

        IDriverBackend session;
        try
        {
            session = await driver.OpenBackendAsync(backend.Name, properties, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not StorageSnapshotException)
        {
            throw Classify(ex);
        }

        try
        {
            if (!session.Capabilities.HasFlag(operation.RequiredCapability))
                throw new CapabilityNotSupportedException(backend.Driver, operation.RequiredCapability, operation.Verb, operation.TargetObject);

            var (finished, early, journal) = await BeforeAnyChangeAsync(() => PhaseOneAsync(operation, scope,
                transaction => RequireBackendAsOpenedAsync(transaction, backend, operation.TargetObject, cancellationToken), output, cancellationToken),
                operation, cancellationToken).ConfigureAwait(false);
            if (finished) return early!;
            output.WriteVerbose($"Operation {journal!.Id} ({journal.Kind}) recorded as Running; asking driver '{backend.Driver}' to {operation.Verb}.");

            return await ExecuteAndFinishAsync(operation, journal, () => operation.ExecuteAsync(session, cancellationToken),
                () => operation.CompensateAsync(session, CancellationToken.None), Classify, output, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await CloseAsync(session, backend, output).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A step before anything is written: cancellation there is OperationCancelled saying nothing changed, never a
    /// bare OperationCanceledException (the fault suite found one escaping after the lock was taken).
    /// </summary>
    private static async Task<T> BeforeAnyChangeAsync<T, TResult>(Func<Task<T>> step, JournaledOperation<TResult> operation, CancellationToken cancellationToken)
    {
        try
        {
            return await step().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw EngineErrors.Cancelled($"Cancelled before the attempt to {operation.Verb} ({operation.TargetDescription}) began; nothing was changed.", operation.TargetObject);
        }
    }

    /// <summary>
    /// Closes the driver session. The operation's outcome is decided — and recorded — before that, so a session that
    /// fails to close is a warning: it must neither turn a recorded success into an error nor hide the operation's
    /// own typed error behind an untyped one (the fault suite found both).
    /// </summary>
    private static async Task CloseAsync(IDriverBackend session, Backend backend, IOperationOutput output)
    {
        try
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            output.WriteWarning($"Driver '{backend.Driver}' failed to close its session on backend '{backend.Name}': {ex.Message}");
        }
    }

    /// <summary>
    /// Runs an operation on a secondary storage alone (a copy removal, a chunk collection): its host lock, its
    /// repository opened (<see cref="Secondary.ChunkStoreRegistry"/>) and the repository lock it needs, phase one
    /// (still registered at the same place), the work, phase two. Throws the typed error when it is refused or
    /// fails; a refusal before phase one records and changes nothing.
    /// </summary>
    public async Task<TResult> RunAsync<TResult>(RepositoryOperation<TResult> operation, OperationContext context)
    {
        var output = context.Output;
        var cancellationToken = context.CancellationToken;
        var scope = LockScope.OfSecondaryStorage(operation.Storage.Name);

        await using var held = await LockAsync(scope, operation.TargetObject, context).ConfigureAwait(false);
        output.WriteVerbose($"Holding the lock of {scope.Description}.");
        StorageSnapshotException Classify(Exception ex) => ClassifyRepositoryError(ex, operation, cancellationToken);

        var store = await BeforeAnyChangeAsync(() => OpenRepositoryAsync(operation, Classify, cancellationToken), operation, cancellationToken).ConfigureAwait(false);
        await using (store.ConfigureAwait(false))
        {
            var repositoryLock = await BeforeAnyChangeAsync(() => operation.LockRepositoryAsync(store, options.LockTimeout, cancellationToken), operation, cancellationToken)
                .ConfigureAwait(false);
            try
            {
                var (finished, early, journal) = await BeforeAnyChangeAsync(() => PhaseOneAsync(operation, scope,
                    transaction => RequireStorageAsRegisteredAsync(transaction, operation.Storage, cancellationToken), output, cancellationToken),
                    operation, cancellationToken).ConfigureAwait(false);
                if (finished) return early!;
                output.WriteVerbose($"Operation {journal!.Id} ({journal.Kind}) recorded as Running; about to {operation.Verb}.");

                return await ExecuteAndFinishAsync(operation, journal, () => operation.ExecuteAsync(store, cancellationToken),
                    () => operation.CompensateAsync(store, CancellationToken.None), Classify, output, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (repositoryLock is not null) await repositoryLock.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Opens the repository of a repository operation; an untyped failure (the share is gone) becomes the storage's typed error.</summary>
    private async Task<IChunkStore> OpenRepositoryAsync<TResult>(RepositoryOperation<TResult> operation, Func<Exception, StorageSnapshotException> classify,
        CancellationToken cancellationToken)
    {
        try
        {
            return await options.ChunkStores.OpenAsync(operation.Storage, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not (StorageSnapshotException or OperationCanceledException))
        {
            throw classify(ex);
        }
    }

    /// <summary>
    /// Takes a host lock, waiting up to the configured timeout: a volume's (VolumeBusy naming the holder's
    /// operation after that) or a secondary storage's (InvalidState, ResourceBusy); OperationCancelled when the
    /// caller cancels the wait.
    /// </summary>
    private async Task<IAsyncDisposable> LockAsync(LockScope scope, object target, OperationContext context)
    {
        var immediate = await locks.TryAcquireAsync(scope.Key, context.CancellationToken).ConfigureAwait(false);
        if (immediate is not null) return immediate;

        context.Output.WriteVerbose($"Waiting up to {Seconds(options.LockTimeout)} s for another operation on {scope.Description} to finish.");
        IAsyncDisposable? acquired;
        try
        {
            acquired = await locks.AcquireAsync(scope.Key, options.LockTimeout, context.CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            throw EngineErrors.Cancelled($"Cancelled while waiting for {scope.Description}; nothing was changed.", target);
        }
        return acquired ?? throw await BusyErrorAsync(scope, target, context.CancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Phase one: in one transaction, <paramref name="requireUnchanged"/> (what the storage was opened with still
    /// holds), the operation's own checks and new target state, and the journal entry (Running); committed.
    /// </summary>
    private Task<(bool Finished, TResult? Result, Operation? Journal)> PhaseOneAsync<TResult>(JournaledOperation<TResult> operation, LockScope scope,
        Func<IInventoryTransaction, Task> requireUnchanged, IOperationOutput output, CancellationToken cancellationToken) =>
        // Its checks decide its writes, and nothing outside the transaction has changed yet: serialisable, retried whole.
        InventoryRetry.RunAsync(() => PhaseOneAttemptAsync(operation, scope, requireUnchanged, output, cancellationToken), cancellationToken);

    private async Task<(bool Finished, TResult? Result, Operation? Journal)> PhaseOneAttemptAsync<TResult>(JournaledOperation<TResult> operation, LockScope scope,
        Func<IInventoryTransaction, Task> requireUnchanged, IOperationOutput output, CancellationToken cancellationToken)
    {
        await using var transaction = await inventory.BeginSerializableAsync(cancellationToken).ConfigureAwait(false);
        await requireUnchanged(transaction).ConfigureAwait(false);

        var outcome = await operation.PrepareAsync(transaction, output, cancellationToken).ConfigureAwait(false);
        if (!outcome.Proceed) return (true, outcome.Result, null); // nothing written: disposing rolls back

        var journal = new Operation
        {
            Id = Ids.New(),
            Kind = operation.Kind,
            State = OperationState.Running,
            Backend = scope.Backend,
            Volume = scope.Volume,
            Destination = operation.Destination ?? scope.Destination,
            TargetKind = operation.TargetKind,
            TargetId = operation.TargetId,
            StartedUtc = DateTime.UtcNow,
            Owner = OperationOwner.Current,
            Details = operation.Details,
        };
        await transaction.InsertOperationAsync(journal, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (false, default, journal);
    }

    /// <summary>
    /// The storage call and phase two: success records the final state, the journal entry Succeeded and the
    /// event, even if the caller cancels now (the work is done); failure compensates and records that.
    /// </summary>
    private async Task<TResult> ExecuteAndFinishAsync<TResult>(JournaledOperation<TResult> operation, Operation journal, Func<Task> execute,
        Func<Task> compensate, Func<Exception, StorageSnapshotException> classify, IOperationOutput output, CancellationToken cancellationToken)
    {
        operation.AttachJournal(async (details, token) =>
        {
            var updated = journal with { Details = details };
            await using var update = await inventory.BeginAsync(token).ConfigureAwait(false);
            await update.UpdateOperationAsync(updated, token).ConfigureAwait(false);
            await update.CommitAsync(token).ConfigureAwait(false);
            // Once committed, kept in the local entry too: phase two writes the whole entry and must not undo it.
            journal = updated;
        });

        try
        {
            await execute().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var error = classify(ex);
            var cancelled = ex is OperationCanceledException && cancellationToken.IsCancellationRequested;
            var compensated = await FailAsync(operation, journal, compensate, error, cancelled, output).ConfigureAwait(false);
            if (!cancelled) throw error;
            var kept = operation.AfterFailure is { } note ? " " + note : "";
            var resume = operation.HowToResume;
            throw new StorageSnapshotException(ErrorIds.OperationCancelled, ErrorKind.OperationStopped, error.Message + (compensated
                ? " Nothing was left half-done." + kept
                : $" Cleanup failed; the {Noun(operation.TargetKind)} is left in state Error for repair." + kept), operation.TargetObject)
            {
                RecommendedAction = resume?.Words,
                Hint = resume?.Hint,
            };
        }

        await using var transaction = await inventory.BeginAsync(CancellationToken.None).ConfigureAwait(false);
        var (result, message, bytes) = await operation.CompleteAsync(transaction, journal.Id, CancellationToken.None).ConfigureAwait(false);
        var succeeded = journal with { State = OperationState.Succeeded, EndedUtc = DateTime.UtcNow };
        await transaction.UpdateOperationAsync(succeeded, CancellationToken.None).ConfigureAwait(false);
        await transaction.AppendEventAsync(StorageEvents.Succeeded(succeeded, message, bytes), CancellationToken.None).ConfigureAwait(false);
        await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        output.WriteVerbose($"Operation {journal.Id} succeeded: {message}");
        return result;
    }

    /// <summary>Compensation, then phase two of a failure. Returns true when compensation ran to the end.</summary>
    private async Task<bool> FailAsync<TResult>(JournaledOperation<TResult> operation, Operation journal, Func<Task> compensate, StorageSnapshotException error,
        bool cancelled, IOperationOutput output)
    {
        var compensated = true;
        var message = error.Message;
        try
        {
            output.WriteVerbose($"Operation {journal.Id} failed ({error.Message}); cleaning up what it may have left.");
            await compensate().ConfigureAwait(false);
        }
        catch (Exception cleanup)
        {
            compensated = false;
            message += $" Cleanup also failed: {cleanup.Message}";
            output.WriteWarning($"Cleanup after the failed operation {journal.Id} failed: {cleanup.Message}. The {Noun(operation.TargetKind)} is left in state Error for repair.");
        }

        // Phase two, failure: must be recorded whatever the caller's token says.
        await using var transaction = await inventory.BeginAsync(CancellationToken.None).ConfigureAwait(false);
        await operation.FailAsync(transaction, new FailureOutcome(message, cancelled, compensated), CancellationToken.None).ConfigureAwait(false);
        // Re-read: compensation may have journaled facts of its own (a safety snapshot it could not delete).
        var current = await transaction.GetOperationAsync(journal.Id, CancellationToken.None).ConfigureAwait(false) ?? journal;
        var failed = current with { State = OperationState.Failed, EndedUtc = DateTime.UtcNow, Error = message };
        await transaction.UpdateOperationAsync(failed, CancellationToken.None).ConfigureAwait(false);
        await transaction.AppendEventAsync(StorageEvents.Failed(failed, message, cancelled), CancellationToken.None).ConfigureAwait(false);
        await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        return compensated;
    }

    /// <summary>
    /// Phase one's check of the backend, in its transaction: still registered, not in maintenance (the one check
    /// that decides: an operation that has passed it finishes), and with the properties the session was opened
    /// with — if Set-StorageBackend changed them since, the driver would work on the old location while the
    /// inventory records the new one.
    /// </summary>
    private static async Task RequireBackendAsOpenedAsync(IInventoryTransaction transaction, Backend opened, object target, CancellationToken cancellationToken)
    {
        var backend = await transaction.GetBackendAsync(opened.Name, cancellationToken).ConfigureAwait(false)
                      ?? throw EngineErrors.BackendNotFound(opened.Name);
        if (backend.MaintenanceMode) throw EngineErrors.InMaintenance(backend, target);
        if (!SameProperties(backend.Properties, opened.Properties))
        {
            throw EngineErrors.InvalidState(
                $"The properties of {TargetNames.Backend(backend.Name)} changed while this operation was starting; nothing was changed. Run it again.", target);
        }
    }

    /// <summary>Phase one's check of a secondary storage: still registered, at the path and with the repository the store was opened at.</summary>
    private static async Task RequireStorageAsRegisteredAsync(IInventoryTransaction transaction, SecondaryStorage opened, CancellationToken cancellationToken)
    {
        var storage = await transaction.GetSecondaryStorageAsync(opened.Name, cancellationToken).ConfigureAwait(false)
                      ?? throw SecondaryErrors.StorageNotFound(opened.Name);
        if (storage.Path != opened.Path || storage.RepositoryId != opened.RepositoryId)
        {
            throw EngineErrors.InvalidState(
                $"Secondary storage '{storage.Name}' was registered again elsewhere while this operation was starting; nothing was changed. Run it again.", storage.Name);
        }
    }

    private static bool SameProperties(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var value) && value == p.Value);

    /// <summary>The error for a lock not free within the timeout, naming the operation that holds it as far as the journal knows it.</summary>
    private async Task<StorageSnapshotException> BusyErrorAsync(LockScope scope, object target, CancellationToken cancellationToken)
    {
        var running = await inventory.ListOperationsAsync(new[] { OperationState.Running }, scope.Backend, scope.Volume, cancellationToken).ConfigureAwait(false);
        var holder = running.LastOrDefault(scope.IsHeldBy);
        var waited = Seconds(options.LockTimeout);
        // Not in the journal yet (an inventory-only change, or a phase one not committed): the lock may still say who.
        var lockHolder = holder is null ? await locks.DescribeHolderAsync(scope.Key, cancellationToken).ConfigureAwait(false) : null;
        var message = holder is null
            ? $"{TargetNames.Capitalize(scope.Description)} is busy: another process{(lockHolder is null ? "" : $" ({lockHolder})")} holds its lock " +
              $"(its operation is not recorded yet); waited {waited} s."
            : $"{TargetNames.Capitalize(scope.Description)} is busy: operation {holder.Id} ({holder.Kind} of {Noun(holder.TargetKind)} {holder.TargetId}) " +
              $"started {holder.StartedUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}Z by {holder.Owner} holds it; waited {waited} s.";
        const string retry = "Try again when that operation has finished, or raise the lock timeout.";
        if (scope.Volume is not null) return new VolumeBusyException(message, target, holder?.Id) { RecommendedAction = retry };
        return new ConflictException(ErrorIds.InvalidState, message, target, ErrorKind.ResourceBusy) { RecommendedAction = retry };
    }

    private static StorageSnapshotException ClassifyDriverError<TResult>(Exception ex, TwoPhaseOperation<TResult> operation, Backend backend,
        IReadOnlyCollection<string> secretValues, CancellationToken cancellationToken) => ex switch
        {
            OperationCanceledException when cancellationToken.IsCancellationRequested =>
                EngineErrors.Cancelled($"Cancelled: the attempt to {operation.Verb} ({operation.TargetDescription}) was stopped.", operation.TargetObject),
            StorageSnapshotException typed when !SecretText.Contains(typed.Message, secretValues) && !HintQuotes(typed, secretValues) => typed,
            StorageSnapshotException typed => new StorageSnapshotException(typed.ErrorId, typed.Kind, SecretText.Mask(typed.Message, secretValues), typed.Target)
            {
                RecommendedAction = typed.RecommendedAction is null ? null : SecretText.Mask(typed.RecommendedAction, secretValues),
                Hint = typed.Hint?.WithArguments(a => SecretText.Mask(a, secretValues)),
            },
            // A driver's words may quote a secret (a login error echoing the password): masked, and the inner exception
            // (which an ErrorRecord shows) replaced when it does.
            _ => new DriverFailedException($"Driver '{backend.Driver}' failed to {operation.Verb} ({operation.TargetDescription}): {SecretText.Mask(ex.Message, secretValues)}",
                operation.TargetObject, SecretText.Scrub(ex, secretValues)),
        };

    private static bool HintQuotes(StorageSnapshotException error, IReadOnlyCollection<string> secretValues) =>
        (error.RecommendedAction is { } words && SecretText.Contains(words, secretValues))
        || (error.Hint is { } hint && hint.Arguments.Values.Any(a => SecretText.Contains(a, secretValues)));

    private static StorageSnapshotException ClassifyRepositoryError<TResult>(Exception ex, RepositoryOperation<TResult> operation, CancellationToken cancellationToken) => ex switch
    {
        OperationCanceledException when cancellationToken.IsCancellationRequested =>
            EngineErrors.Cancelled($"Cancelled: the attempt to {operation.Verb} ({operation.TargetDescription}) was stopped.", operation.TargetObject),
        StorageSnapshotException typed => typed,
        _ when SecondaryStorageErrors.IsStorageFailure(ex) => SecondaryStorageErrors.From(ex, operation.Storage.Path, operation.Verb),
        _ => new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.WriteError,
            $"Secondary storage '{operation.Storage.Name}' failed to {operation.Verb} ({operation.TargetDescription}): {ex.Message}", operation.TargetObject, ex),
    };

    /// <summary>The target kind as a noun in a sentence ("snapshot", "secondary storage").</summary>
    private static string Noun(TargetKind kind) => kind == TargetKind.SecondaryStorage ? "secondary storage" : kind.ToString().ToLowerInvariant();

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
}
