using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Secondary.Maintenance;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Operations.Drift;

/// <summary>
/// Test-StorageInventory -Repair of one difference on a secondary storage, as a journaled operation (RepairDrift) on
/// the runner's repository path (the storage's host lock; the repository reached through its chunk-store kind).
/// Adopting an orphan copy records it from its manifest (read again now); removing one deletes its manifest under
/// its copy key's lock (its chunks become unreferenced, for a later collection); forgetting a missing copy removes
/// its record once the repository confirms the manifest is gone; removing unreferenced chunks collects them with the
/// grace period under the repository's exclusive lock, as chunk collection does, and also deletes what crashed
/// writers left in the repository (its own temporary files).
/// </summary>
internal sealed class RepositoryDriftRepair : RepositoryOperation<StorageDrift>
{
    private readonly DriftItem item;
    private readonly DriftRepair action;
    private readonly TimeSpan gracePeriod;
    private readonly IOperationOutput output;
    private SnapshotCopy? adopted;
    private CollectionResult? collected;

    public RepositoryDriftRepair(SecondaryStorage storage, DriftItem item, DriftRepair action, TimeSpan gracePeriod, IOperationOutput output) : base(storage)
    {
        this.item = item;
        this.action = action;
        this.gracePeriod = gracePeriod;
        this.output = output;
    }

    private StorageDrift Drift => item.Drift;

    public override OperationKind Kind => OperationKind.RepairDrift;
    public override TargetKind TargetKind => Drift.ObjectType;
    public override string TargetId => Drift.ObjectType == TargetKind.Copy ? Drift.Name! : Storage.Name;
    public override string TargetDescription => Drift.ObjectType == TargetKind.Copy
        ? $"copy {Drift.Name} on secondary storage '{Storage.Name}'"
        : $"the unreferenced chunks of secondary storage '{Storage.Name}'";
    public override object TargetObject => Drift;
    public override string Verb => $"{action.ToString().ToLowerInvariant()} the {Drift.Kind.ToString().ToLowerInvariant()} {(Drift.ObjectType == TargetKind.Copy ? "copy" : "chunks")}";

    public override OperationDetails Details => new RepairDriftDetails
    {
        Drift = Drift.Kind,
        ObjectType = Drift.ObjectType,
        Action = action,
        Name = Drift.Name,
        Id = Drift.Id,
        Location = Storage.Path,
    };

    public override async Task<IAsyncDisposable?> LockRepositoryAsync(IChunkStore store, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            if (Drift.Kind == DriftKind.UnreferencedChunks) return await store.LockRepositoryAsync(exclusive: true, timeout, cancellationToken).ConfigureAwait(false);
            if (Drift.Kind == DriftKind.Orphan && action == DriftRepair.Remove && item.InventoryCopy is { } copy)
                return await store.LockCopyKeyAsync(copy.SnapshotId, timeout, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (TimeoutException busy)
        {
            throw new ConflictException(ErrorIds.InvalidState,
                $"Secondary storage '{Storage.Name}': copies are running there; nothing was changed. ({busy.Message})", Drift, ErrorKind.ResourceBusy)
            {
                RecommendedAction = "Repair it again when those copies have finished.",
            };
        }
    }

    public override async Task<PhaseOneOutcome<StorageDrift>> PrepareAsync(IInventoryTransaction transaction, IOperationOutput phaseOutput, CancellationToken cancellationToken)
    {
        if (Drift.ObjectType != TargetKind.Copy) return PhaseOneOutcome<StorageDrift>.Continue;
        var record = await transaction.GetCopyAsync(Drift.Name!, cancellationToken).ConfigureAwait(false);
        if (Drift.Kind == DriftKind.Orphan && record is not null) throw Settled("the inventory has the copy now");
        if (Drift.Kind == DriftKind.Missing && record is not { State: CopyState.Copied }) throw Settled("its record is gone or being changed");
        if (Drift.Kind == DriftKind.Orphan && action == DriftRepair.Adopt && item.InventoryCopy is { } copy)
        {
            var same = await transaction.ListCopiesAsync(new CopyQuery { SnapshotIds = new[] { copy.SnapshotId }, Destinations = new[] { Storage.Name } }, cancellationToken)
                .ConfigureAwait(false);
            if (same.Count > 0)
            {
                throw EngineErrors.InvalidState(
                    $"Cannot adopt copy {copy.Id}: the inventory already records copy {same[0].Id} of snapshot {copy.SnapshotId} on '{Storage.Name}' (one copy per snapshot per secondary storage); remove one of them.", Drift);
            }
        }
        return PhaseOneOutcome<StorageDrift>.Continue;
    }

    public override async Task ExecuteAsync(IChunkStore store, CancellationToken cancellationToken)
    {
        switch (Drift.Kind, action)
        {
            case (DriftKind.Orphan, DriftRepair.Adopt):
                adopted = CopyRecords.FromManifest(await store.ReadManifestAsync(Drift.Name!, cancellationToken).ConfigureAwait(false), Storage.Name);
                break;
            case (DriftKind.Orphan, DriftRepair.Remove):
                await store.DeleteManifestAsync(Drift.Name!, cancellationToken).ConfigureAwait(false);
                break;
            case (DriftKind.Missing, _):
                if (await store.ManifestExistsAsync(Drift.Name!, cancellationToken).ConfigureAwait(false)) throw Settled("its manifest is back");
                break;
            case (DriftKind.UnreferencedChunks, _):
                collected = await new ChunkCollector(store).CollectUnderLockAsync(gracePeriod, output, cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    // Deleting a manifest or unreferenced chunks cannot be undone and needs no undoing; the rest wrote nothing.
    public override Task CompensateAsync(IChunkStore store, CancellationToken cancellationToken) => Task.CompletedTask;

    public override async Task<(StorageDrift Result, string Message, long? Bytes)> CompleteAsync(IInventoryTransaction transaction, string operationId,
        CancellationToken cancellationToken)
    {
        string message;
        long? bytes = null;
        var result = Drift with { Repaired = action, OperationId = operationId };
        switch (Drift.Kind, action)
        {
            case (DriftKind.Orphan, DriftRepair.Adopt):
                await transaction.InsertCopyAsync(adopted!, cancellationToken).ConfigureAwait(false);
                result = result with { Id = adopted!.Id };
                message = $"Adopted copy {adopted.Id} of snapshot '{adopted.Snapshot ?? adopted.SnapshotId}' on '{Storage.Name}' from its manifest.";
                break;
            case (DriftKind.Orphan, _):
                message = $"Removed the manifest of copy {Drift.Name}, which the inventory did not know, from '{Storage.Name}' (its chunks go with the next chunk collection).";
                break;
            case (DriftKind.Missing, _):
                await transaction.DeleteCopyAsync(Drift.Name!, cancellationToken).ConfigureAwait(false);
                message = $"Forgot copy {Drift.Name}, whose manifest is gone from '{Storage.Name}'.";
                break;
            default:
                bytes = collected!.BytesFreed;
                result = result with { Count = collected.ChunksDeleted, SizeBytes = collected.BytesFreed };
                message = $"Deleted {collected.ChunksDeleted} unreferenced chunk(s) ({collected.BytesFreed} bytes) older than the grace period and {collected.AbandonedWritesDeleted} abandoned temporary file(s) from '{Storage.Name}'.";
                break;
        }
        return (result, message, bytes);
    }

    public override Task FailAsync(IInventoryTransaction transaction, FailureOutcome failure, CancellationToken cancellationToken) => Task.CompletedTask;

    private StorageSnapshotException Settled(string why) => EngineErrors.InvalidState(
        $"Nothing to {action.ToString().ToLowerInvariant()}: {Drift.Description} no longer holds ({why}). Compare the inventory with the storage again.", Drift);
}
