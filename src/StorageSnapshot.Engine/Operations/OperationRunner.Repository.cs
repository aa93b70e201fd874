using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Naming;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Operations;

// The runner's path for the operations on a repository (RepositoryOperation): the same phases and journal as a
// driver operation, with the operation's host-wide lock and the repository's own lock instead of a volume lock
// and a driver session.
internal sealed partial class OperationRunner
{
    /// <summary>Runs <paramref name="operation"/> to its end; throws the typed error when it is refused or fails.</summary>
    public async Task<TResult> RunAsync<TResult>(RepositoryOperation<TResult> operation, OperationContext context)
    {
        var output = context.Output;
        var cancellationToken = context.CancellationToken;

        using var operationLock = await LockOperationAsync(operation.LockKey, operation.TargetDescription, operation.TargetObject, context).ConfigureAwait(false);
        var store = await options.ChunkStores.OpenAsync(operation.Storage, cancellationToken).ConfigureAwait(false);
        await using (store.ConfigureAwait(false))
        {
            IAsyncDisposable repositoryLock;
            try
            {
                repositoryLock = await operation.LockRepositoryAsync(store, options.LockTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException timeout)
            {
                throw operation.Busy(timeout);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw EngineErrors.Cancelled($"Cancelled while waiting for the repository of '{operation.Storage.Name}'; nothing was changed.", operation.TargetObject);
            }

            await using (repositoryLock.ConfigureAwait(false))
            {
                var (finished, early, journal) = await PhaseOneAsync(operation, output, cancellationToken).ConfigureAwait(false);
                if (finished) return early!;
                output.WriteVerbose($"Operation {journal!.Id} ({journal.Kind}) recorded as Running; working on '{operation.Storage.Name}'.");

                try
                {
                    await operation.ExecuteAsync(store, output, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    var cancelled = ex is OperationCanceledException && cancellationToken.IsCancellationRequested;
                    var error = ex switch
                    {
                        _ when cancelled => EngineErrors.Cancelled($"Cancelled: the attempt to {operation.Verb} ({operation.TargetDescription}) was stopped.", operation.TargetObject),
                        StorageSnapshotException typed => typed,
                        _ => new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.WriteError,
                            $"Failed to {operation.Verb} ({operation.TargetDescription}): {ex.Message}", operation.TargetObject, ex),
                    };
                    // Phase two, failure: recorded whatever the caller's token says.
                    await using var failed = await inventory.BeginAsync(CancellationToken.None).ConfigureAwait(false);
                    await operation.FailAsync(failed, new FailureOutcome(error.Message, cancelled, Compensated: true), CancellationToken.None).ConfigureAwait(false);
                    await failed.UpdateOperationAsync(journal with { State = OperationState.Failed, EndedUtc = DateTime.UtcNow, Error = error.Message }, CancellationToken.None).ConfigureAwait(false);
                    await failed.AppendEventAsync(RepositoryEvent(operation, journal, $"{operation.EventPrefix}.{(cancelled ? "cancelled" : "failed")}", error.Message, null), CancellationToken.None).ConfigureAwait(false);
                    await failed.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                    throw error;
                }

                // Phase two, success: the repository has changed; record it even if the caller cancels now.
                await using var transaction = await inventory.BeginAsync(CancellationToken.None).ConfigureAwait(false);
                var (result, message, bytes) = await operation.CompleteAsync(transaction, journal.Id, CancellationToken.None).ConfigureAwait(false);
                await transaction.UpdateOperationAsync(journal with { State = OperationState.Succeeded, EndedUtc = DateTime.UtcNow }, CancellationToken.None).ConfigureAwait(false);
                await transaction.AppendEventAsync(RepositoryEvent(operation, journal, operation.SucceededEvent, message, bytes), CancellationToken.None).ConfigureAwait(false);
                await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                output.WriteVerbose($"Operation {journal.Id} succeeded: {message}");
                return result;
            }
        }
    }

    /// <summary>Takes an operation's host-wide lock (see <see cref="OperationLocks"/>), waiting up to the lock timeout.</summary>
    private async Task<VolumeLock> LockOperationAsync(string key, string what, object target, OperationContext context)
    {
        var immediate = VolumeLock.TryAcquire(options.LockDirectory, key);
        if (immediate is not null) return immediate;
        context.Output.WriteVerbose($"Waiting up to {Seconds(options.LockTimeout)} s for another operation on {what} to finish.");
        VolumeLock? acquired;
        try
        {
            acquired = await VolumeLock.AcquireAsync(options.LockDirectory, key, options.LockTimeout, context.CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            throw EngineErrors.Cancelled($"Cancelled while waiting for another operation on {what}; nothing was changed.", target);
        }
        return acquired ?? throw new ConflictException(ErrorIds.InvalidState,
            $"Another operation on {what} is running in a process on this host; waited {Seconds(options.LockTimeout)} s.", target, ErrorKind.ResourceBusy)
        {
            RecommendedAction = "Try again when that operation has finished.",
        };
    }

    private async Task<(bool Finished, TResult? Result, Operation? Journal)> PhaseOneAsync<TResult>(RepositoryOperation<TResult> operation, IOperationOutput output,
        CancellationToken cancellationToken)
    {
        await using var transaction = await inventory.BeginAsync(cancellationToken).ConfigureAwait(false);
        if (await transaction.GetSecondaryStorageAsync(operation.Storage.Name, cancellationToken).ConfigureAwait(false) is null)
            throw new ObjectNotFoundException(ErrorIds.SecondaryStorageNotFound, $"No secondary storage named '{operation.Storage.Name}' is registered.", operation.Storage.Name);

        var outcome = await operation.PrepareAsync(transaction, output, cancellationToken).ConfigureAwait(false);
        if (!outcome.Proceed) return (true, outcome.Result, null); // nothing written: disposing rolls back

        var journal = new Operation
        {
            Id = Ids.New(),
            Kind = operation.Kind,
            State = OperationState.Running,
            Backend = operation.JournalBackend,
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

    // Built here for now, in the same shape as the driver operations' events (Event above).
    private static StorageEvent RepositoryEvent<TResult>(RepositoryOperation<TResult> operation, Operation record, string kind, string message, long? bytes) => new()
    {
        TimeUtc = DateTime.UtcNow,
        Kind = kind,
        Backend = string.IsNullOrEmpty(record.Backend) ? null : record.Backend,
        TargetType = operation.TargetType,
        TargetId = operation.TargetId,
        Bytes = bytes,
        OperationId = record.Id,
        Message = message,
    };
}
