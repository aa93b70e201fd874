using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Secondary;
using StorageSnapshot.Engine.Secondary.Maintenance;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Operations.Drift;

/// <summary>
/// Compares one secondary storage's copy records with its repository's manifests, through the chunk-store seam
/// (<see cref="IChunkStore"/>, so every kind of repository is checked the same way): committed copies the inventory
/// does not know (orphans: Import-SnapshotCopy's work, one by one), Copied records whose manifest is gone (missing),
/// and the chunks no manifest references that are older than the grace period (one item). Records that an
/// operation is working on (Copying, Removing) and Failed records (which never had a manifest) are left out.
/// Changes nothing and takes no lock.
/// </summary>
internal sealed class RepositoryDriftScan
{
    private readonly IInventoryReader inventory;
    private readonly IOperationOutput output;

    public RepositoryDriftScan(IInventoryReader inventory, IOperationOutput output)
    {
        this.inventory = inventory;
        this.output = output;
    }

    public async Task<IReadOnlyList<DriftItem>> ScanAsync(SecondaryStorage storage, IChunkStore store, TimeSpan gracePeriod, CancellationToken cancellationToken)
    {
        var found = new List<DriftItem>();
        var copies = await inventory.ListCopiesAsync(new CopyQuery { Destinations = new[] { storage.Name } }, cancellationToken).ConfigureAwait(false);
        var recorded = copies.ToDictionary(c => c.Id, StringComparer.Ordinal);
        var manifests = (await store.ListManifestsAsync(cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);

        foreach (var id in manifests.Order(StringComparer.Ordinal))
        {
            if (recorded.ContainsKey(id)) continue;
            CopyManifest manifest;
            try
            {
                manifest = await store.ReadManifestAsync(id, cancellationToken).ConfigureAwait(false);
            }
            catch (ObjectNotFoundException)
            {
                continue; // removed while we listed
            }
            catch (StorageSnapshotException e) when (e.ErrorId == ErrorIds.CopyCorrupt)
            {
                found.Add(new DriftItem(new StorageDrift
                {
                    Kind = DriftKind.Orphan,
                    ObjectType = TargetKind.Copy,
                    Destination = storage.Name,
                    Name = id,
                    Location = storage.Path,
                    Description = $"Copy {id} has a manifest in secondary storage '{storage.Name}' that is not in the inventory and cannot be read: {e.Message}",
                    Repairs = [DriftRepair.Remove],
                }));
                continue;
            }
            var record = CopyRecords.FromManifest(manifest, storage.Name);
            found.Add(new DriftItem(new StorageDrift
            {
                Kind = DriftKind.Orphan,
                ObjectType = TargetKind.Copy,
                Backend = record.Backend,
                Volume = record.Volume,
                Destination = storage.Name,
                Name = id,
                Location = storage.Path,
                SizeBytes = record.SizeBytes,
                Description = $"Copy {id} of snapshot '{record.Snapshot ?? record.SnapshotId}' of volume '{record.Volume}' (backend '{record.Backend}') is in secondary storage '{storage.Name}' but not in the inventory.",
                Repairs = [DriftRepair.Adopt, DriftRepair.Remove],
            })
            { InventoryCopy = record });
        }

        foreach (var copy in copies.Where(c => c.State == CopyState.Copied && !manifests.Contains(c.Id)))
        {
            found.Add(new DriftItem(new StorageDrift
            {
                Kind = DriftKind.Missing,
                ObjectType = TargetKind.Copy,
                Backend = copy.Backend,
                Volume = copy.Volume,
                Destination = storage.Name,
                Name = copy.Id,
                Id = copy.Id,
                Location = storage.Path,
                SizeBytes = copy.SizeBytes,
                Description = $"Copy {copy.Id} of snapshot '{copy.Snapshot ?? copy.SnapshotId}' is in the inventory but its manifest is gone from secondary storage '{storage.Name}'.",
                Repairs = [DriftRepair.Forget],
            })
            { InventoryCopy = copy });
        }

        try
        {
            var (chunks, bytes) = await new ChunkCollector(store).SurveyAsync(gracePeriod, cancellationToken).ConfigureAwait(false);
            if (chunks > 0)
            {
                found.Add(new DriftItem(new StorageDrift
                {
                    Kind = DriftKind.UnreferencedChunks,
                    ObjectType = TargetKind.SecondaryStorage,
                    Destination = storage.Name,
                    Name = storage.Name,
                    Location = storage.Path,
                    SizeBytes = bytes,
                    Count = chunks,
                    Description = $"{chunks} chunk(s) ({Units.Bytes(bytes)}) in secondary storage '{storage.Name}' are referenced by no copy and older than the grace period ({gracePeriod.TotalHours:0.##} h).",
                    Repairs = [DriftRepair.Remove],
                }));
            }
        }
        catch (StorageSnapshotException e) when (e.ErrorId == ErrorIds.CopyCorrupt)
        {
            output.WriteWarning($"{e.Message} Unreferenced chunks were not looked for.");
        }
        return found;
    }
}
