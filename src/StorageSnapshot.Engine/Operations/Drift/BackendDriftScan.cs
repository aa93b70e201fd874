using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Naming;
using StorageSnapshot.Engine.Operations.Repair;

namespace StorageSnapshot.Engine.Operations.Drift;

/// <summary>
/// Compares one backend's inventory records with what its driver lists (Test-StorageInventory): volumes and
/// snapshots on the storage the inventory does not know (orphans), records whose object is gone (missing),
/// snapshots whose volume is gone or whose parent record is, and leftovers of interrupted work. Changes nothing.
/// A volume that an operation holds (its lock is taken) or that an unfinished operation is about (Running,
/// NeedsRecovery, a failed restore that left something) is left out and named in a verbose message: its objects are
/// mid-change, and Repair-StorageOperation settles them.
/// </summary>
internal sealed class BackendDriftScan
{
    private readonly ISnapshotInventory inventory;
    private readonly string lockDirectory;
    private readonly IOperationOutput output;

    public BackendDriftScan(ISnapshotInventory inventory, string lockDirectory, IOperationOutput output)
    {
        this.inventory = inventory;
        this.lockDirectory = lockDirectory;
        this.output = output;
    }

    /// <summary>The differences on <paramref name="backend"/>, opened as <paramref name="session"/>.</summary>
    public async Task<IReadOnlyList<DriftItem>> ScanAsync(Backend backend, IDriverBackend session, CancellationToken cancellationToken)
    {
        var found = new List<DriftItem>();
        var volumes = await inventory.ListVolumesAsync(new[] { backend.Name }, cancellationToken).ConfigureAwait(false);
        var snapshots = await inventory.ListSnapshotsAsync(new SnapshotQuery { Backends = new[] { backend.Name } }, cancellationToken).ConfigureAwait(false);
        var unsettled = await UnsettledVolumesAsync(backend.Name, cancellationToken).ConfigureAwait(false);
        bool Skip(string volumeName)
        {
            if (unsettled.Contains(volumeName))
            {
                output.WriteVerbose($"{TargetNames.Capitalize(TargetNames.Volume(backend.Name, volumeName))} has an unfinished operation in the journal; it is left to that operation's repair.");
                return true;
            }
            using var free = VolumeLock.TryAcquire(lockDirectory, VolumeLock.KeyFor(backend.Name, volumeName));
            if (free is not null) return false;
            output.WriteVerbose($"{TargetNames.Capitalize(TargetNames.Volume(backend.Name, volumeName))} is busy (an operation holds its lock); it was not checked.");
            return true;
        }

        var listed = await session.ListVolumesAsync(cancellationToken).ConfigureAwait(false);
        var byReference = listed.ToDictionary(v => v.Reference, StringComparer.Ordinal);
        var inventoryReferences = volumes.Select(v => v.DriverReference).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var inventoryNames = volumes.Select(v => v.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var snapshotsByVolume = snapshots.ToLookup(s => s.VolumeId);
        var snapshotIds = snapshots.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);

        // Orphan volumes, and their snapshots.
        foreach (var stored in listed)
        {
            if (inventoryReferences.Contains(stored.Reference) || (stored.Name is { } n && inventoryNames.Contains(n))) continue;
            var name = stored.Name ?? stored.Location;
            if (Skip(name)) continue;
            var adoptable = stored.Name is not null && NameRules.Check("volume", stored.Name) is null;
            found.Add(new DriftItem(new StorageDrift
            {
                Kind = DriftKind.Orphan,
                ObjectType = TargetKind.Volume,
                Backend = backend.Name,
                Volume = name,
                Name = name,
                Location = stored.Location,
                SizeBytes = stored.SizeBytes,
                Description = $"Volume '{name}' is on backend '{backend.Name}' ({stored.Location}) but not in the inventory.",
                Repairs = adoptable ? [DriftRepair.Adopt, DriftRepair.Remove] : [DriftRepair.Remove],
            })
            { StorageObject = stored });
            foreach (var orphan in await ListSnapshotsAsync(session, stored, backend, name, cancellationToken).ConfigureAwait(false))
                found.Add(OrphanSnapshot(backend, name, orphan, adoptable) with { StorageVolume = stored });
        }

        foreach (var volume in volumes)
        {
            if (Skip(volume.Name)) continue;
            var own = snapshotsByVolume[volume.Id].ToList();
            var present = volume.DriverReference is { } reference && byReference.ContainsKey(reference);
            if (!present && volume.State is VolumeState.Available or VolumeState.Error && volume.DriverReference is not null)
            {
                found.Add(new DriftItem(new StorageDrift
                {
                    Kind = DriftKind.Missing,
                    ObjectType = TargetKind.Volume,
                    Backend = backend.Name,
                    Volume = volume.Name,
                    Name = volume.Name,
                    Id = volume.Id,
                    Location = volume.Location,
                    SizeBytes = volume.SizeBytes,
                    Description = $"Volume '{volume.Name}' is in the inventory but gone from backend '{backend.Name}' ({volume.Location})."
                                  + (own.Count > 0 ? $" Its {own.Count} snapshot record(s) are reported too; forget or remove them first." : ""),
                    Repairs = [DriftRepair.Forget],
                })
                { InventoryVolume = volume });
            }
            if (volume.DriverReference is null) continue;

            IReadOnlyList<DriverSnapshot> stored;
            try
            {
                stored = await ListSnapshotsAsync(session, DriverObjects.Of(volume), backend, volume.Name, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!present && e is not (OperationCanceledException or StorageSnapshotException))
            {
                stored = Array.Empty<DriverSnapshot>(); // the driver cannot look under a volume that is gone: its snapshots are gone too
            }
            var storedKeys = stored.Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
            foreach (var orphan in stored.Where(s => !snapshotIds.Contains(s.Key)))
                found.Add(OrphanSnapshot(backend, volume.Name, orphan, volumeAdoptable: true) with { InventoryVolume = volume });
            foreach (var snapshot in own.Where(s => s.State is SnapshotState.Ready or SnapshotState.Error))
            {
                if (!storedKeys.Contains(snapshot.Id))
                {
                    found.Add(SnapshotItem(snapshot, volume, DriftKind.Missing,
                        $"Snapshot '{snapshot.Name}' of volume '{volume.Name}' is in the inventory but gone from backend '{backend.Name}'.", [DriftRepair.Forget]));
                }
                else if (!present)
                {
                    found.Add(SnapshotItem(snapshot, volume, DriftKind.ParentMissing,
                        $"Snapshot '{snapshot.Name}' is still on backend '{backend.Name}' but its volume '{volume.Name}' is gone from it.", [DriftRepair.Forget, DriftRepair.Remove])
                        with
                    { VolumeGone = true });
                }
                else if (snapshot.ParentId is { } parent && !snapshotIds.Contains(parent))
                {
                    found.Add(SnapshotItem(snapshot, volume, DriftKind.ParentMissing,
                        $"Snapshot '{snapshot.Name}' of volume '{volume.Name}' names parent snapshot {parent}, which is not in the inventory.", [DriftRepair.Forget]));
                }
            }
        }

        // Leftovers of interrupted work, one item per volume.
        foreach (var group in (await session.ListLeftoversAsync(cancellationToken).ConfigureAwait(false)).GroupBy(l => l.VolumeName, StringComparer.Ordinal))
        {
            if (Skip(group.Key)) continue;
            var paths = group.Select(l => l.Location).ToList();
            found.Add(new DriftItem(new StorageDrift
            {
                Kind = DriftKind.Leftover,
                ObjectType = TargetKind.Volume,
                Backend = backend.Name,
                Volume = group.Key,
                Name = paths.Count == 1 ? Path.GetFileName(paths[0]) : $"{paths.Count} leftovers",
                Location = string.Join(", ", paths),
                Count = paths.Count,
                Description = $"Interrupted work on volume '{group.Key}' left {paths.Count} temporary object(s) on backend '{backend.Name}': {string.Join(", ", paths)}.",
                Repairs = [DriftRepair.Remove],
            })
            { LeftoverKeys = group.Select(l => l.SnapshotKey).OfType<string>().Distinct(StringComparer.Ordinal).ToList() });
        }
        return found;
    }

    private async Task<IReadOnlyList<DriverSnapshot>> ListSnapshotsAsync(IDriverBackend session, DriverObject volume, Backend backend, string volumeName, CancellationToken cancellationToken)
    {
        try
        {
            return await session.ListSnapshotsAsync(volume, cancellationToken).ConfigureAwait(false);
        }
        catch (NotSupportedException)
        {
            output.WriteWarning($"Driver '{backend.Driver}' cannot list snapshots: orphan and missing snapshots of volume '{volumeName}' on backend '{backend.Name}' were not looked for.");
            return Array.Empty<DriverSnapshot>();
        }
    }

    /// <summary>Volumes an unfinished journal entry is about: their objects are mid-change.</summary>
    private async Task<HashSet<string>> UnsettledVolumesAsync(string backend, CancellationToken cancellationToken)
    {
        var entries = await inventory.ListOperationsAsync(new[] { OperationState.Running, OperationState.NeedsRecovery, OperationState.Failed }, backend, null, cancellationToken)
            .ConfigureAwait(false);
        return entries.Where(e => e.State == OperationState.Running || OperationRepairer.IsRepairable(e))
            .Select(e => e.Volume).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    private static DriftItem OrphanSnapshot(Backend backend, string volumeName, DriverSnapshot orphan, bool volumeAdoptable)
    {
        var adoptable = volumeAdoptable && NameRules.Check("snapshot", orphan.Key) is null;
        return new DriftItem(new StorageDrift
        {
            Kind = DriftKind.Orphan,
            ObjectType = TargetKind.Snapshot,
            Backend = backend.Name,
            Volume = volumeName,
            Name = orphan.Key,
            Location = orphan.Snapshot.Location,
            SizeBytes = orphan.Snapshot.SizeBytes,
            Description = $"Snapshot '{orphan.Key}' of volume '{volumeName}' is on backend '{backend.Name}' ({orphan.Snapshot.Location}) but not in the inventory.",
            Repairs = adoptable ? [DriftRepair.Adopt, DriftRepair.Remove] : [DriftRepair.Remove],
        })
        { StorageObject = orphan.Snapshot, SnapshotKey = orphan.Key };
    }

    private static DriftItem SnapshotItem(Snapshot snapshot, Volume volume, DriftKind kind, string description, IReadOnlyList<DriftRepair> repairs) =>
        new(new StorageDrift
        {
            Kind = kind,
            ObjectType = TargetKind.Snapshot,
            Backend = volume.Backend,
            Volume = volume.Name,
            Name = snapshot.Name,
            Id = snapshot.Id,
            Location = snapshot.Location,
            SizeBytes = snapshot.SizeBytes,
            Description = description,
            Repairs = repairs,
        })
        { InventorySnapshot = snapshot, InventoryVolume = volume };
}
