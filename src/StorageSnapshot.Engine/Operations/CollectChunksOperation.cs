using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Secondary.Maintenance;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// Remove-SnapshotCopy -Failed on one secondary storage as a journaled operation (CollectChunks) on the runner's
/// repository path, under the repository's exclusive lock — which every running copy holds shared for its whole
/// run, so no live copy can be about to reference a chunk — taken before phase one: while copies run it waits up
/// to the lock timeout, then is refused with nothing recorded or deleted. Phase one journals the copies recorded
/// Failed; the work deletes every chunk no committed copy references, with no grace period (what failed or killed
/// copies stored, what removed copies left); phase two forgets those copy records that are still Failed (a rerun
/// started since has taken its record over).
/// </summary>
internal sealed class CollectChunksOperation : RepositoryOperation<FailedCopiesRemoval>
{
    private readonly IOperationOutput output;
    private IReadOnlyList<string> failedCopies = [];
    private CollectionResult? collected;

    public CollectChunksOperation(SecondaryStorage storage, IOperationOutput output) : base(storage)
    {
        this.output = output;
    }

    public override OperationKind Kind => OperationKind.CollectChunks;
    public override TargetKind TargetKind => TargetKind.SecondaryStorage;
    public override string TargetId => Storage.Name;
    public override string TargetDescription => $"secondary storage '{Storage.Name}' at {Storage.Path}";
    public override object TargetObject => Storage;
    public override string Verb => "delete the chunks no copy references";

    public override OperationDetails Details => new CollectChunksDetails { Destination = Storage.Name, Repository = Storage.Path, FailedCopies = failedCopies };

    public override async Task<IAsyncDisposable?> LockRepositoryAsync(IChunkStore store, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await store.LockRepositoryAsync(exclusive: true, timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException busy)
        {
            throw new ConflictException(ErrorIds.InvalidState,
                $"Secondary storage '{Storage.Name}': copies are running there, so the chunks they are storing cannot be told from leftovers; nothing was deleted. ({busy.Message})",
                Storage, ErrorKind.ResourceBusy)
            {
                RecommendedAction = "Free the space of the failed copies again when those copies have finished.",
                Hint = ErrorHint.RetryFailedCopiesRemoval(Storage.Name),
            };
        }
    }

    public override async Task<PhaseOneOutcome<FailedCopiesRemoval>> PrepareAsync(IInventoryTransaction transaction, IOperationOutput phaseOutput, CancellationToken cancellationToken)
    {
        failedCopies = (await transaction.ListCopiesAsync(new CopyQuery { Destinations = new[] { Storage.Name }, States = new[] { CopyState.Failed } }, cancellationToken)
            .ConfigureAwait(false)).Select(c => c.Id).ToList();
        return PhaseOneOutcome<FailedCopiesRemoval>.Continue;
    }

    public override async Task ExecuteAsync(IChunkStore store, CancellationToken cancellationToken) =>
        // No grace period: under the exclusive lock no copy can be about to reference an unreferenced chunk.
        collected = await new ChunkCollector(store).CollectUnderLockAsync(TimeSpan.Zero, output, cancellationToken).ConfigureAwait(false);

    // Chunks already deleted were unreferenced: nothing to put back; the failed records stay for the next run.
    public override Task CompensateAsync(IChunkStore store, CancellationToken cancellationToken) => Task.CompletedTask;

    public override async Task<(FailedCopiesRemoval Result, string Message, long? Bytes)> CompleteAsync(IInventoryTransaction transaction, string operationId,
        CancellationToken cancellationToken)
    {
        var forgotten = 0;
        foreach (var id in failedCopies)
        {
            // Only if still Failed: a rerun started meanwhile has taken the record over (Copying).
            if (await transaction.GetCopyAsync(id, cancellationToken).ConfigureAwait(false) is not { State: CopyState.Failed }) continue;
            await transaction.DeleteCopyAsync(id, cancellationToken).ConfigureAwait(false);
            forgotten++;
        }
        var message = $"Secondary storage '{Storage.Name}': forgot {forgotten} failed copy record(s); deleted {collected!.ChunksDeleted} unreferenced chunk(s), {collected.BytesFreed} bytes.";
        return (new FailedCopiesRemoval(Storage.Name, forgotten, collected.ChunksDeleted, collected.BytesFreed), message, collected.BytesFreed);
    }

    public override Task FailAsync(IInventoryTransaction transaction, FailureOutcome failure, CancellationToken cancellationToken) => Task.CompletedTask;
}
