using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Secondary.Maintenance;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// Remove-SnapshotCopy as a journaled operation (DeleteCopy). It holds its copy's host-wide lock and, in the
/// repository, the lock of the copy's snapshot — the key every copy of that snapshot holds while it runs — so it
/// waits for a running copy of that snapshot (which may be resuming this very record) and is refused if that
/// copy outlasts the lock timeout. Phase one marks the copy Removing; the work deletes the manifest (the copy
/// is gone at once) and then collects chunks no manifest references that are older than the grace period, which
/// is skipped with a warning while copies run; phase two forgets the record. A removal that fails before the
/// manifest is deleted leaves the copy as it was; after, the record goes (the copy no longer exists). A run
/// that dies leaves the copy Removing and the journal entry for repair; running the removal again finishes it.
/// </summary>
internal sealed class DeleteCopyOperation : RepositoryOperation<bool>
{
    private readonly SnapshotCopy copy;
    private readonly TimeSpan gracePeriod;
    private CopyState stateBefore;
    private bool manifestDeleted;
    private CollectionResult? collected;

    public DeleteCopyOperation(SnapshotCopy copy, SecondaryStorage storage, TimeSpan gracePeriod) : base(storage)
    {
        this.copy = copy;
        this.gracePeriod = gracePeriod;
        stateBefore = copy.State;
    }

    public override OperationKind Kind => OperationKind.DeleteCopy;
    public override string TargetType => "Copy";
    public override string TargetId => copy.Id;
    public override string TargetDescription => $"copy {copy.Id} of snapshot '{copy.Snapshot}' of volume '{copy.Volume}' on '{Storage.Name}'";
    public override object TargetObject => copy;
    public override string Verb => "remove the copy";
    public override string JournalBackend => copy.Backend;
    public override string SucceededEvent => "copy.deleted";
    public override string EventPrefix => "copy";
    public override string LockKey => OperationLocks.ForCopy(copy.Id);

    public override IReadOnlyDictionary<string, string> Details
    {
        get
        {
            var details = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["copyId"] = copy.Id,
                ["copySnapshotId"] = copy.SnapshotId,
                ["destination"] = Storage.Name,
                ["repository"] = Storage.Path,
                ["stateBefore"] = stateBefore.ToString(),
            };
            if (Storage.RepositoryId is { } id) details["repositoryId"] = id;
            return details;
        }
    }

    public override async Task<IAsyncDisposable> LockRepositoryAsync(IChunkStore store, TimeSpan timeout, CancellationToken cancellationToken) =>
        await store.LockCopyKeyAsync(copy.SnapshotId, timeout, cancellationToken).ConfigureAwait(false);

    public override StorageSnapshotException Busy(TimeoutException timeout) =>
        new ConflictException(ErrorIds.InvalidState,
            $"Cannot remove {TargetDescription}: snapshot '{copy.Snapshot}' is being copied to '{Storage.Name}' by a running process ({timeout.Message}). Nothing was changed.",
            copy, ErrorKind.ResourceBusy)
        {
            RecommendedAction = "Run Remove-SnapshotCopy again when that copy has finished.",
        };

    public override async Task<PhaseOneOutcome<bool>> PrepareAsync(IInventoryTransaction transaction, IOperationOutput output, CancellationToken cancellationToken)
    {
        // Any state: we hold the snapshot's copy key, so a Copying record is a dead run's, and Removing a dead removal's.
        var current = await transaction.GetCopyAsync(copy.Id, cancellationToken).ConfigureAwait(false)
                      ?? throw SecondaryErrors.CopyNotFound($"with id '{copy.Id}'", copy.Id);
        stateBefore = current.State;
        await transaction.UpdateCopyAsync(current with { State = CopyState.Removing }, cancellationToken).ConfigureAwait(false);
        return PhaseOneOutcome<bool>.Continue;
    }

    public override async Task ExecuteAsync(IChunkStore store, IOperationOutput output, CancellationToken cancellationToken)
    {
        await store.DeleteManifestAsync(copy.Id, cancellationToken).ConfigureAwait(false);
        manifestDeleted = true;
        try
        {
            // Opportunistic: the copy is removed whatever happens here; what is not collected now, the next removal or -Failed collects.
            collected = await new ChunkCollector(store).CollectAsync(gracePeriod, TimeSpan.FromSeconds(1), output, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            output.WriteWarning($"Copy {copy.Id} is removed, but collecting its chunks was stopped.");
        }
        catch (StorageSnapshotException notCollected)
        {
            output.WriteWarning($"Copy {copy.Id} is removed, but its chunks were not collected now: {notCollected.Message}");
        }
    }

    public override async Task<(bool Result, string Message, long? Bytes)> CompleteAsync(IInventoryTransaction transaction, string operationId, CancellationToken cancellationToken)
    {
        await transaction.DeleteCopyAsync(copy.Id, cancellationToken).ConfigureAwait(false);
        var message = collected is null
            ? $"Removed copy {copy.Id} of snapshot '{copy.Snapshot}' from '{Storage.Name}'; its chunks were not collected."
            : $"Removed copy {copy.Id} of snapshot '{copy.Snapshot}' from '{Storage.Name}'; collected {collected.ChunksDeleted} chunk(s), {collected.BytesFreed} bytes.";
        return (true, message, collected?.BytesFreed);
    }

    public override async Task FailAsync(IInventoryTransaction transaction, FailureOutcome failure, CancellationToken cancellationToken)
    {
        if (manifestDeleted)
        {
            await transaction.DeleteCopyAsync(copy.Id, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (await transaction.GetCopyAsync(copy.Id, cancellationToken).ConfigureAwait(false) is { } current)
            await transaction.UpdateCopyAsync(current with { State = stateBefore }, cancellationToken).ConfigureAwait(false);
    }
}
