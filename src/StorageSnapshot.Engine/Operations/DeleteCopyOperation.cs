using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Secondary.Maintenance;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// Remove-SnapshotCopy as a journaled operation (DeleteCopy) on the runner's repository path: under its secondary
/// storage's host lock and, in the repository, the copy key of the copy's snapshot — which every copy of that
/// snapshot holds while it runs — so it waits for a running copy of that snapshot (which may be resuming this very
/// record) and is refused, with nothing changed, if that copy outlasts the lock timeout. Phase one marks the copy
/// Removing; the work deletes the manifest (the copy is gone at once) and then collects chunks no manifest
/// references that are older than the grace period — skipped with a warning while copies run; phase two forgets
/// the record. A removal that fails before the manifest is deleted gives the copy back its state once the
/// manifest is seen to be still there; after, the record goes (the copy no longer exists); when the repository
/// cannot say, the copy stays Removing and running the removal again finishes it, as it does after a killed run.
/// </summary>
internal sealed class DeleteCopyOperation : RepositoryOperation<bool>
{
    private readonly SnapshotCopy copy;
    private readonly TimeSpan gracePeriod;
    private readonly IOperationOutput output;
    private CopyState stateBefore;
    private bool manifestDeleted;
    private bool manifestStillThere;
    private bool leftRemoving;
    private CollectionResult? collected;

    public DeleteCopyOperation(SnapshotCopy copy, SecondaryStorage storage, TimeSpan gracePeriod, IOperationOutput output) : base(storage)
    {
        this.copy = copy;
        this.gracePeriod = gracePeriod;
        this.output = output;
        stateBefore = copy.State;
    }

    public override OperationKind Kind => OperationKind.DeleteCopy;
    public override TargetKind TargetKind => TargetKind.Copy;
    public override string TargetId => copy.Id;
    public override string TargetDescription => $"copy {copy.Id} of snapshot '{copy.Snapshot}' of volume '{copy.Volume}' on '{Storage.Name}'";
    public override object TargetObject => copy;
    public override string Verb => "remove the copy";

    public override OperationDetails Details => new DeleteCopyDetails
    {
        CopyId = copy.Id,
        Destination = Storage.Name,
        Repository = Storage.Path,
        CopySnapshotId = copy.SnapshotId,
        StateBefore = stateBefore,
    };

    public override string? AfterFailure =>
        manifestDeleted ? $"Its manifest was deleted: copy {copy.Id} is gone and its record forgotten."
        : leftRemoving ? $"Whether its manifest was deleted is not known: copy {copy.Id} is left Removing."
        : null;

    public override (string Words, ErrorHint Hint)? HowToResume =>
        leftRemoving ? ($"Remove copy {copy.Id} again: that finishes the removal.", ErrorHint.RerunCopyRemoval(copy.Id)) : null;

    public override async Task<IAsyncDisposable?> LockRepositoryAsync(IChunkStore store, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await store.LockCopyKeyAsync(copy.SnapshotId, timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException busy)
        {
            throw new ConflictException(ErrorIds.InvalidState,
                $"Cannot remove {TargetDescription}: snapshot '{copy.Snapshot}' is being copied to '{Storage.Name}' by a running process ({busy.Message}). Nothing was changed.",
                copy, ErrorKind.ResourceBusy)
            {
                RecommendedAction = $"Remove copy {copy.Id} again when that copy has finished.",
                Hint = ErrorHint.RerunCopyRemoval(copy.Id),
            };
        }
    }

    public override async Task<PhaseOneOutcome<bool>> PrepareAsync(IInventoryTransaction transaction, IOperationOutput phaseOutput, CancellationToken cancellationToken)
    {
        // Any state: we hold the snapshot's copy key, so a Copying record is a dead run's, and Removing a dead removal's.
        var current = await transaction.GetCopyAsync(copy.Id, cancellationToken).ConfigureAwait(false)
                      ?? throw SecondaryErrors.CopyNotFound($"with id '{copy.Id}'", copy.Id);
        stateBefore = current.State;
        await transaction.UpdateCopyAsync(current with { State = CopyState.Removing }, cancellationToken).ConfigureAwait(false);
        return PhaseOneOutcome<bool>.Continue;
    }

    public override async Task ExecuteAsync(IChunkStore store, CancellationToken cancellationToken)
    {
        await store.DeleteManifestAsync(copy.Id, cancellationToken).ConfigureAwait(false);
        manifestDeleted = true;
        try
        {
            // Opportunistic: the copy is removed whatever happens here; what is not collected now, the next removal or a collection of failed copies does.
            collected = await new ChunkCollector(store).CollectAsync(gracePeriod, TimeSpan.FromSeconds(1), output, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            output.WriteWarning($"Copy {copy.Id} is removed, but collecting its chunks was stopped; the next removal collects them.");
        }
        catch (StorageSnapshotException notCollected)
        {
            output.WriteWarning($"Copy {copy.Id} is removed, but its chunks were not collected now: {notCollected.Message}");
        }
    }

    /// <summary>
    /// Before its manifest was deleted: is the manifest still there? When the repository cannot say, the copy is
    /// left Removing (a warning, not a failed cleanup: nothing is half-made, and running the removal again settles it).
    /// </summary>
    public override async Task CompensateAsync(IChunkStore store, CancellationToken cancellationToken)
    {
        if (manifestDeleted) return;
        try
        {
            manifestStillThere = await store.ManifestExistsAsync(copy.Id, cancellationToken).ConfigureAwait(false);
            manifestDeleted = !manifestStillThere;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            output.WriteWarning($"Whether the manifest of copy {copy.Id} is still on '{Storage.Name}' cannot be told ({e.Message}); the copy is left Removing.");
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
            // The copy no longer exists: its record goes too.
            await transaction.DeleteCopyAsync(copy.Id, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (!manifestStillThere)
        {
            leftRemoving = true; // unknown: running the removal again settles it
            return;
        }
        if (await transaction.GetCopyAsync(copy.Id, cancellationToken).ConfigureAwait(false) is { } current)
            await transaction.UpdateCopyAsync(current with { State = stateBefore }, cancellationToken).ConfigureAwait(false);
    }
}
