using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Operations.Drift;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// Import-SnapshotCopy: the copy records of a secondary storage rebuilt from its repository's manifests — the
/// disaster-recovery path when the inventory is lost — as a journaled operation (ImportCopies) on the runner's
/// repository path. The repository is read through the chunk-store seam, so every kind of repository imports the
/// same way: every committed manifest is read (checksum and structure checked); a corrupt one is skipped with a
/// warning. Phase two records, in one transaction, each copy the inventory does not have yet — by copy id, and by
/// its snapshot (one copy per snapshot per secondary storage) — so importing twice adds nothing.
/// </summary>
internal sealed class ImportCopiesOperation : RepositoryOperation<IReadOnlyList<SnapshotCopy>>
{
    private readonly IOperationOutput output;
    private readonly List<SnapshotCopy> candidates = new();

    public ImportCopiesOperation(SecondaryStorage storage, IOperationOutput output) : base(storage)
    {
        this.output = output;
    }

    public override OperationKind Kind => OperationKind.ImportCopies;
    public override TargetKind TargetKind => TargetKind.SecondaryStorage;
    public override string TargetId => Storage.Name;
    public override string TargetDescription => $"secondary storage '{Storage.Name}' at {Storage.Path}";
    public override object TargetObject => Storage;
    public override string Verb => "import the copies of the repository";

    public override OperationDetails Details => new ImportCopiesDetails { Destination = Storage.Name, Repository = Storage.Path };

    public override Task<PhaseOneOutcome<IReadOnlyList<SnapshotCopy>>> PrepareAsync(IInventoryTransaction transaction, IOperationOutput phaseOutput, CancellationToken cancellationToken) =>
        Task.FromResult(PhaseOneOutcome<IReadOnlyList<SnapshotCopy>>.Continue);

    public override async Task ExecuteAsync(IChunkStore store, CancellationToken cancellationToken)
    {
        var ids = await store.ListManifestsAsync(cancellationToken).ConfigureAwait(false);
        output.WriteVerbose($"Secondary storage '{Storage.Name}': {ids.Count} manifest(s) to read.");
        foreach (var id in ids.Order(StringComparer.Ordinal))
        {
            try
            {
                candidates.Add(CopyRecords.FromManifest(await store.ReadManifestAsync(id, cancellationToken).ConfigureAwait(false), Storage.Name));
            }
            catch (ObjectNotFoundException)
            {
                // Removed while we listed.
            }
            catch (StorageSnapshotException e) when (e.ErrorId == ErrorIds.CopyCorrupt)
            {
                output.WriteWarning($"Copy {id} in '{Storage.Name}' was not imported: {e.Message}");
            }
        }
    }

    // Reading changes nothing.
    public override Task CompensateAsync(IChunkStore store, CancellationToken cancellationToken) => Task.CompletedTask;

    public override async Task<(IReadOnlyList<SnapshotCopy> Result, string Message, long? Bytes)> CompleteAsync(IInventoryTransaction transaction, string operationId,
        CancellationToken cancellationToken)
    {
        var existing = await transaction.ListCopiesAsync(new CopyQuery { Destinations = new[] { Storage.Name } }, cancellationToken).ConfigureAwait(false);
        var ids = existing.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var snapshots = existing.Select(c => c.SnapshotId).ToHashSet(StringComparer.Ordinal);
        var imported = new List<SnapshotCopy>();
        foreach (var copy in candidates.OrderBy(c => c.CompletedUtc))
        {
            if (ids.Contains(copy.Id)) continue;
            if (!snapshots.Add(copy.SnapshotId))
            {
                output.WriteWarning($"Copy {copy.Id} in '{Storage.Name}' was not imported: the inventory already records a copy of snapshot {copy.SnapshotId} there.");
                continue;
            }
            await transaction.InsertCopyAsync(copy, cancellationToken).ConfigureAwait(false);
            imported.Add(copy);
        }
        var message = $"Imported {imported.Count} copy record(s) from the repository of '{Storage.Name}' ({candidates.Count} manifest(s) read, {candidates.Count - imported.Count} already known).";
        return (imported, message, null);
    }

    public override Task FailAsync(IInventoryTransaction transaction, FailureOutcome failure, CancellationToken cancellationToken) => Task.CompletedTask;
}
