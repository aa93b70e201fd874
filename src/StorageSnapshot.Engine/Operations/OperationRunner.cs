using System.Globalization;
using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Naming;

namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// Runs every change that calls a driver, the same way: take the volume lock → phase one (checks, journal entry
/// Running, the target's new state) committed → the driver call → phase two (success: final state, journal
/// Succeeded, event; failure: compensation, Error or old state, journal Failed, event) → lock released last.
/// If the process dies in between, the journal entry stays Running with its lock gone, which is how
/// <see cref="DeadOperationDetector"/> finds it on the next open.
/// </summary>
internal sealed partial class OperationRunner
{
    private readonly EngineOptions options;
    private readonly ISnapshotInventory inventory;
    private readonly Secrets.BackendSecrets secrets;

    public OperationRunner(EngineOptions options, ISnapshotInventory inventory, Secrets.BackendSecrets secrets)
    {
        this.options = options;
        this.inventory = inventory;
        this.secrets = secrets;
    }

    /// <summary>Runs <paramref name="operation"/> to its end; throws the typed error when it is refused or fails.</summary>
    public async Task<TResult> RunAsync<TResult>(TwoPhaseOperation<TResult> operation, OperationContext context)
    {
        var output = context.Output;
        var cancellationToken = context.CancellationToken;

        using var volumeLock = await LockVolumeAsync(operation.Backend, operation.Volume, operation.TargetObject, context).ConfigureAwait(false);
        output.WriteVerbose($"Holding the lock of {TargetNames.Volume(operation.Backend, operation.Volume)}.");

        // The session is opened before phase one so that a backend that cannot do the operation is refused
        // before anything is written (the driver's declared capabilities may be narrowed by the device).
        var backend = await inventory.GetBackendAsync(operation.Backend, cancellationToken).ConfigureAwait(false)
                      ?? throw EngineErrors.BackendNotFound(operation.Backend);
        if (backend.MaintenanceMode) throw EngineErrors.InMaintenance(backend, operation.TargetObject);
        var driver = options.Drivers.Get(backend.Driver);
        // The clear secret properties go to the driver and nowhere else; whatever the driver says is masked with them.
        var properties = secrets.Reveal(backend);
        var secretValues = Secrets.BackendSecrets.SecretValues(driver, properties);
        IDriverBackend session;
        try
        {
            session = await driver.OpenBackendAsync(backend.Name, properties, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not StorageSnapshotException)
        {
            throw Classify(ex, operation, backend, secretValues, cancellationToken);
        }

        await using (session.ConfigureAwait(false))
        {
            if (!session.Capabilities.HasFlag(operation.RequiredCapability))
                throw new CapabilityNotSupportedException(backend.Driver, operation.RequiredCapability, operation.Verb, operation.TargetObject);

            var (finished, early, journal) = await PhaseOneAsync(operation, backend, output, cancellationToken).ConfigureAwait(false);
            if (finished) return early!;
            output.WriteVerbose($"Operation {journal!.Id} ({journal.Kind}) recorded as Running; asking driver '{backend.Driver}' to {operation.Verb}.");
            operation.AttachJournal(async (details, token) =>
            {
                var updated = journal! with { Details = details };
                await using var update = await inventory.BeginAsync(token).ConfigureAwait(false);
                await update.UpdateOperationAsync(updated, token).ConfigureAwait(false);
                await update.CommitAsync(token).ConfigureAwait(false);
                // Once committed, kept in the local entry too: phase two writes the whole entry and must not undo it.
                journal = updated;
            });

            try
            {
                await operation.ExecuteAsync(session, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                var error = Classify(ex, operation, backend, secretValues, cancellationToken);
                var cancelled = ex is OperationCanceledException && cancellationToken.IsCancellationRequested;
                var compensated = await FailAsync(operation, journal, session, error, cancelled, output).ConfigureAwait(false);
                if (cancelled)
                {
                    var kept = operation.AfterFailure is { } note ? " " + note : "";
                    error = new StorageSnapshotException(ErrorIds.OperationCancelled, ErrorKind.OperationStopped, error.Message + (compensated
                        ? " Nothing was left half-done." + kept
                        : $" Cleanup failed; the {operation.TargetType.ToLowerInvariant()} is left in state Error for repair." + kept), operation.TargetObject)
                    {
                        RecommendedAction = operation.HowToResume,
                    };
                }
                throw error;
            }

            // Phase two, success. The driver has done the work: record it even if the caller cancels now.
            await using var transaction = await inventory.BeginAsync(CancellationToken.None).ConfigureAwait(false);
            var (result, message, bytes) = await operation.CompleteAsync(transaction, journal.Id, CancellationToken.None).ConfigureAwait(false);
            await transaction.UpdateOperationAsync(journal with { State = OperationState.Succeeded, EndedUtc = DateTime.UtcNow }, CancellationToken.None).ConfigureAwait(false);
            await transaction.AppendEventAsync(Event(operation, journal, Done(operation.Kind), message, bytes), CancellationToken.None).ConfigureAwait(false);
            await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            output.WriteVerbose($"Operation {journal.Id} succeeded: {message}");
            return result;
        }
    }

    /// <summary>
    /// Takes the lock of a volume, waiting up to the configured timeout; VolumeBusy naming the holder's operation
    /// after that, OperationCancelled when the caller cancels the wait. Also used by inventory-only changes to a
    /// volume's objects (Set-StorageSnapshot), so that they never interleave with a running operation's phases.
    /// </summary>
    public async Task<VolumeLock> LockVolumeAsync(string backend, string volume, object target, OperationContext context)
    {
        var key = VolumeLock.KeyFor(backend, volume);
        var immediate = VolumeLock.TryAcquire(options.LockDirectory, key);
        if (immediate is not null) return immediate;

        context.Output.WriteVerbose($"Waiting up to {Seconds(options.LockTimeout)} s for another operation on {TargetNames.Volume(backend, volume)} to finish.");
        VolumeLock? acquired;
        try
        {
            acquired = await VolumeLock.AcquireAsync(options.LockDirectory, key, options.LockTimeout, context.CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            throw EngineErrors.Cancelled($"Cancelled while waiting for {TargetNames.Volume(backend, volume)}; nothing was changed.", target);
        }
        return acquired ?? throw await BusyErrorAsync(backend, volume, target, context.CancellationToken).ConfigureAwait(false);
    }

    private async Task<(bool Finished, TResult? Result, Operation? Journal)> PhaseOneAsync<TResult>(TwoPhaseOperation<TResult> operation, Backend opened,
        IOperationOutput output, CancellationToken cancellationToken)
    {
        await using var transaction = await inventory.BeginAsync(cancellationToken).ConfigureAwait(false);
        var backend = await transaction.GetBackendAsync(operation.Backend, cancellationToken).ConfigureAwait(false)
                      ?? throw EngineErrors.BackendNotFound(operation.Backend);
        if (backend.MaintenanceMode) throw EngineErrors.InMaintenance(backend, operation.TargetObject);
        // The session was opened with the properties read before the lock; if Set-StorageBackend changed them
        // since, the driver would work on the old location while the inventory records the new one.
        if (!SameProperties(backend.Properties, opened.Properties))
        {
            throw EngineErrors.InvalidState(
                $"The properties of {TargetNames.Backend(backend.Name)} changed while this operation was starting; nothing was changed. Run it again.", operation.TargetObject);
        }

        var outcome = await operation.PrepareAsync(transaction, output, cancellationToken).ConfigureAwait(false);
        if (!outcome.Proceed) return (true, outcome.Result, null); // nothing written: disposing rolls back

        var journal = new Operation
        {
            Id = Ids.New(),
            Kind = operation.Kind,
            State = OperationState.Running,
            Backend = backend.Name,
            Volume = operation.Volume,
            TargetType = operation.TargetType,
            TargetId = operation.TargetId,
            StartedUtc = DateTime.UtcNow,
            Owner = OperationOwner.Current,
            Details = operation.Details,
        };
        await transaction.InsertOperationAsync(journal, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (false, default, journal);
    }

    private static bool SameProperties(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var value) && value == p.Value);

    /// <summary>VolumeBusy naming the operation that holds the volume, as far as the journal knows it.</summary>
    private async Task<VolumeBusyException> BusyErrorAsync(string backend, string volume, object target, CancellationToken cancellationToken)
    {
        var running = await inventory.ListOperationsAsync(new[] { OperationState.Running }, backend, volume, cancellationToken).ConfigureAwait(false);
        var holder = running.LastOrDefault();
        var waited = Seconds(options.LockTimeout);
        var message = holder is null
            ? $"{TargetNames.Capitalize(TargetNames.Volume(backend, volume))} is busy: another process holds its lock (its operation is not recorded yet); waited {waited} s."
            : $"{TargetNames.Capitalize(TargetNames.Volume(backend, volume))} is busy: operation {holder.Id} ({holder.Kind} of {holder.TargetType?.ToLowerInvariant()} {holder.TargetId}) " +
              $"started {holder.StartedUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}Z by {holder.Owner} holds it; waited {waited} s.";
        return new VolumeBusyException(message, target, holder?.Id)
        {
            RecommendedAction = "Try again when that operation has finished, or raise the lock timeout.",
        };
    }

    private static StorageSnapshotException Classify<TResult>(Exception ex, TwoPhaseOperation<TResult> operation, Backend backend,
        IReadOnlyCollection<string> secretValues, CancellationToken cancellationToken) => ex switch
    {
        OperationCanceledException when cancellationToken.IsCancellationRequested =>
            EngineErrors.Cancelled($"Cancelled: the attempt to {operation.Verb} ({operation.TargetDescription}) was stopped.", operation.TargetObject),
        StorageSnapshotException typed when !Secrets.SecretText.Contains(typed.Message, secretValues) => typed,
        StorageSnapshotException typed => new StorageSnapshotException(typed.ErrorId, typed.Kind, Secrets.SecretText.Mask(typed.Message, secretValues), typed.Target)
        {
            RecommendedAction = typed.RecommendedAction is null ? null : Secrets.SecretText.Mask(typed.RecommendedAction, secretValues),
        },
        // A driver's words may quote a secret (a login error echoing the password): masked, and the inner exception
        // (which an ErrorRecord shows) replaced when it does.
        _ => new DriverFailedException($"Driver '{backend.Driver}' failed to {operation.Verb} ({operation.TargetDescription}): {Secrets.SecretText.Mask(ex.Message, secretValues)}",
            operation.TargetObject, Secrets.SecretText.Scrub(ex, secretValues)),
    };

    /// <summary>Compensation, then phase two of a failure. Returns true when compensation ran to the end.</summary>
    private async Task<bool> FailAsync<TResult>(TwoPhaseOperation<TResult> operation, Operation record, IDriverBackend session, StorageSnapshotException error, bool cancelled, IOperationOutput output)
    {
        var compensated = true;
        var message = error.Message;
        try
        {
            output.WriteVerbose($"Operation {record.Id} failed ({error.Message}); cleaning up what the driver may have left.");
            await operation.CompensateAsync(session, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception cleanup)
        {
            compensated = false;
            message += $" Cleanup also failed: {cleanup.Message}";
            output.WriteWarning($"Cleanup after the failed operation {record.Id} failed: {cleanup.Message}. The {operation.TargetType.ToLowerInvariant()} is left in state Error for repair.");
        }

        // Phase two, failure: must be recorded whatever the caller's token says.
        await using var transaction = await inventory.BeginAsync(CancellationToken.None).ConfigureAwait(false);
        await operation.FailAsync(transaction, new FailureOutcome(message, cancelled, compensated), CancellationToken.None).ConfigureAwait(false);
        await transaction.UpdateOperationAsync(record with { State = OperationState.Failed, EndedUtc = DateTime.UtcNow, Error = message }, CancellationToken.None).ConfigureAwait(false);
        await transaction.AppendEventAsync(Event(operation, record, cancelled ? "cancelled" : "failed", message, null), CancellationToken.None).ConfigureAwait(false);
        await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        return compensated;
    }

    private static StorageEvent Event<TResult>(TwoPhaseOperation<TResult> operation, Operation record, string suffix, string message, long? bytes) => new()
    {
        TimeUtc = DateTime.UtcNow,
        Kind = $"{operation.EventPrefix}.{suffix}",
        Backend = record.Backend,
        Volume = record.Volume,
        TargetType = operation.TargetType,
        TargetId = operation.TargetId,
        Bytes = bytes,
        OperationId = record.Id,
        Message = message,
    };

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Done(OperationKind kind) => kind switch
    {
        OperationKind.CreateVolume or OperationKind.CreateSnapshot => "created",
        OperationKind.CloneVolume => "cloned",
        OperationKind.DeleteVolume or OperationKind.DeleteSnapshot => "deleted",
        OperationKind.RevertSnapshot => "reverted",
        OperationKind.RestoreFromCopy => "restored",
        _ => "done",
    };
}
