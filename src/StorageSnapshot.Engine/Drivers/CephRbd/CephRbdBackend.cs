using StorageSnapshot.Engine.Drivers.CephRbd.Native;

namespace StorageSnapshot.Engine.Drivers.CephRbd;

/// <summary>
/// One ceph-rbd backend, opened: a connection to the cluster and the backend's pool and namespace. Volumes are RBD
/// images, snapshots RBD snapshots named after the inventory's key, clones RBD clones, revert rbd_snap_rollback.
/// Every librbd call runs through <see cref="BlockingCall"/> (bounded, says what is still running) and every error
/// names the call, the object's Location and what the errno means (<see cref="CephError"/>).
/// </summary>
internal sealed class CephRbdBackend : IDriverBackend
{
    /// <summary>Ceph's release number of Mimic, the first whose clients read clone format 2.</summary>
    private const int Mimic = 13;

    private readonly CephSessionPool.Lease lease;
    private readonly CephSession session;
    private readonly string backendName;

    public CephRbdBackend(string backendName, CephSessionPool.Lease lease)
    {
        this.backendName = backendName;
        this.lease = lease;
        session = lease.Session;
    }

    private CephRbdSettings Settings => session.Settings;

    private string User => Settings.User;

    public DriverCapabilities Capabilities => CephRbdDriver.Declared;

    public async Task<CapacityCheck> CheckNewVolumeAsync(long sizeBytes, CancellationToken cancellationToken) =>
        await Run(() => PoolCapacity.Check(session, sizeBytes), $"checking the free space of pool '{Settings.Pool}'", cancellationToken).ConfigureAwait(false);

    public async Task<DriverObject> CreateVolumeAsync(string volumeName, long sizeBytes, CancellationToken cancellationToken)
    {
        var location = Locations.Volume(Settings, volumeName);
        await Run(() =>
        {
            using var options = new RbdImageOptionsHandle();
            if (Settings.DataPool is { } dataPool)
                CephError.Check(Librbd.rbd_image_options_set_string(options, Librbd.ImageOptionDataPool, dataPool), "rbd_image_options_set_string", "data_pool");
            var result = Librbd.rbd_create4(session.Pool, volumeName, (ulong)sizeBytes, options);
            if (result == -CephError.EEXIST) throw AlreadyExists(volumeName, location);
            return CephError.Check(result, "rbd_create4", $"create image {location} of {sizeBytes} bytes", User);
        }, $"rbd_create4 of {location}", cancellationToken).ConfigureAwait(false);
        return Volume(volumeName, sizeBytes);
    }

    public async Task DeleteVolumeAsync(DriverObject volume, CancellationToken cancellationToken)
    {
        var image = Locations.ImageOf(volume);
        var location = Locations.Volume(Settings, image);
        await Run(progress => ProgressCallback.With(progress, state =>
        {
            int result;
            unsafe { result = Librbd.rbd_remove_with_progress(session.Pool, image, ProgressCallback.Pointer, state); }
            if (result == -CephError.ENOENT) return 0; // already gone: deleting is idempotent
            if (result == -CephError.ENOTEMPTY)
                throw new CephException(CephError.ENOTEMPTY, $"rbd_remove ({location}) failed: ENOTEMPTY: the image still has snapshots{SnapshotNames(image)}; they were made outside StorageSnapshot or are kept in the trash for clones (`rbd snap ls --all {Spec(image)}`).");
            if (result == -CephError.EBUSY)
                throw new CephException(CephError.EBUSY, $"rbd_remove ({location}) failed: EBUSY: the image is open by another client (a VM, rbd-nbd, a mapped device: `rbd status {Spec(image)}`) or has clones; close or remove them first.");
            return CephError.Check(result, "rbd_remove", $"delete {location}", User);
        }), $"rbd_remove of {location}", cancellationToken).ConfigureAwait(false);
    }

    public async Task<DriverObject?> FindVolumeAsync(string volumeName, CancellationToken cancellationToken) =>
        await Run(() => RbdImages.List(session).Contains(volumeName, StringComparer.Ordinal) ? ListedVolume(volumeName) : null,
            $"looking for image {volumeName} in {Settings.LocationPrefix}", cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<DriverObject>> ListVolumesAsync(CancellationToken cancellationToken) =>
        await Run(() => (IReadOnlyList<DriverObject>)RbdImages.List(session).Select(name => ListedVolume(name) with { Name = name }).ToList(),
            $"listing the images of {Settings.LocationPrefix}", cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// A listed image as a volume. Listed but not openable: removed meanwhile, or a create that never finished —
    /// returned (with no size, marked incomplete) so that the engine's recovery finds and removes it.
    /// </summary>
    private DriverObject ListedVolume(string name)
    {
        try
        {
            using var image = session.OpenImage(name, null, readOnly: true);
            return Volume(name, RbdImages.Size(image, Locations.Volume(Settings, name), User));
        }
        catch (CephException e) when (e.Errno == CephError.ENOENT)
        {
            return Volume(name, 0) with { Details = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["state"] = "incomplete" } };
        }
    }

    public async Task<DriverObject> CreateSnapshotAsync(DriverObject volume, string snapshotKey, CancellationToken cancellationToken)
    {
        var image = Locations.ImageOf(volume);
        var location = Locations.Snapshot(Settings, image, snapshotKey);
        return await Run(() =>
        {
            using var handle = session.OpenImage(image, null, readOnly: false);
            // A replay after a crash finds the snapshot made the first time.
            if (Find(handle, image, snapshotKey) is { } existing) return existing;
            var result = Librbd.rbd_snap_create(handle, snapshotKey);
            if (result != -CephError.EEXIST) CephError.Check(result, "rbd_snap_create", $"take snapshot {location}", User);
            return Find(handle, image, snapshotKey)
                   ?? throw new CephException(CephError.ENOENT, $"rbd_snap_create ({location}) reported success but the snapshot is not listed.");
        }, $"rbd_snap_create of {location}", cancellationToken).ConfigureAwait(false);
    }

    public async Task<DriverObject?> FindSnapshotAsync(DriverObject volume, string snapshotKey, CancellationToken cancellationToken)
    {
        var image = Locations.ImageOf(volume);
        return await Run(() =>
        {
            try
            {
                using var handle = session.OpenImage(image, null, readOnly: true);
                return Find(handle, image, snapshotKey);
            }
            catch (CephException e) when (e.Errno == CephError.ENOENT)
            {
                return null; // no image, no snapshot
            }
        }, $"rbd_snap_list of {Locations.Volume(Settings, image)}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The image's user snapshots; every one was made with its key as its name. Empty when the image is gone.</summary>
    public async Task<IReadOnlyList<DriverSnapshot>> ListSnapshotsAsync(DriverObject volume, CancellationToken cancellationToken)
    {
        var image = Locations.ImageOf(volume);
        return await Run(() =>
        {
            try
            {
                using var handle = session.OpenImage(image, null, readOnly: true);
                return (IReadOnlyList<DriverSnapshot>)RbdImages.Snapshots(handle, $"list the snapshots of {Locations.Volume(Settings, image)}", User)
                    .Select(entry => new DriverSnapshot(entry.Name, SnapshotObject(image, entry)))
                    .ToList();
            }
            catch (CephException e) when (e.Errno == CephError.ENOENT)
            {
                return Array.Empty<DriverSnapshot>(); // no image, no snapshots
            }
        }, $"rbd_snap_list of {Locations.Volume(Settings, image)}", cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteSnapshotAsync(DriverObject snapshot, CancellationToken cancellationToken)
    {
        var (image, name) = Locations.SnapshotOf(snapshot);
        var location = Locations.Snapshot(Settings, image, name);
        await Run(progress =>
        {
            RbdImageHandle handle;
            try
            {
                handle = session.OpenImage(image, null, readOnly: false);
            }
            catch (CephException e) when (e.Errno == CephError.ENOENT)
            {
                return 0; // the image is gone, and its snapshots with it
            }
            using (handle)
            {
                return ProgressCallback.With(progress, state =>
                {
                    int result;
                    // A format-1 clone's parent snapshot is protected: unprotected first (refused while clones remain).
                    unsafe { result = Librbd.rbd_snap_remove2(handle, name, Librbd.SnapRemoveUnprotect, ProgressCallback.Pointer, state); }
                    if (result == -CephError.ENOENT) return 0;
                    if (result == -CephError.EBUSY)
                        throw new CephException(CephError.EBUSY, $"rbd_snap_remove ({location}) failed: EBUSY: clones still depend on the snapshot (`rbd children {Spec(image)}@{name}`); remove or flatten them first.");
                    return CephError.Check(result, "rbd_snap_remove2", $"delete snapshot {location}", User);
                });
            }
        }, $"rbd_snap_remove of {location}", cancellationToken).ConfigureAwait(false);
    }

    public async Task RevertVolumeAsync(DriverObject volume, DriverObject snapshot, CancellationToken cancellationToken)
    {
        var image = Locations.ImageOf(volume);
        var (snapshotImage, name) = Locations.SnapshotOf(snapshot);
        if (!string.Equals(image, snapshotImage, StringComparison.Ordinal))
            throw new ArgumentException($"Snapshot {snapshot.Reference} is not a snapshot of image '{image}'.", nameof(snapshot));
        var location = Locations.Snapshot(Settings, image, name);
        await Run(progress =>
        {
            using var handle = session.OpenImage(image, null, readOnly: false);
            if (Find(handle, image, name) is null)
                throw new CephException(CephError.ENOENT, $"rbd_snap_rollback ({location}) cannot start: the snapshot does not exist (removed outside StorageSnapshot?). The volume was not changed.");
            return ProgressCallback.With(progress, state =>
            {
                int result;
                unsafe { result = Librbd.rbd_snap_rollback_with_progress(handle, name, ProgressCallback.Pointer, state); }
                if (result < 0)
                {
                    var failure = CephError.From(-result, "rbd_snap_rollback", $"revert {Locations.Volume(Settings, image)} to {name}", User);
                    // librbd rolls back object by object: a failure part-way leaves some objects reverted.
                    throw new CephException(failure.Errno, failure.Message + $" The rollback may have reverted part of the image: run the revert again (it is idempotent) once the cluster answers.");
                }
                return result;
            });
        }, $"rbd_snap_rollback of {Locations.Volume(Settings, image)} to {name}", cancellationToken).ConfigureAwait(false);
    }

    public async Task<DriverObject> CloneVolumeAsync(DriverObject snapshot, string newVolumeName, CancellationToken cancellationToken)
    {
        var (image, name) = Locations.SnapshotOf(snapshot);
        var parent = Locations.Snapshot(Settings, image, name);
        var location = Locations.Volume(Settings, newVolumeName);
        return await Run(() =>
        {
            var format = Settings.CloneFormat != 0 ? Settings.CloneFormat : session.MinimumClientRelease() >= Mimic ? 2 : 1;
            if (format == 1) ProtectForClone(image, name, parent);
            using var options = new RbdImageOptionsHandle();
            CephError.Check(Librbd.rbd_image_options_set_uint64(options, Librbd.ImageOptionCloneFormat, (ulong)format), "rbd_image_options_set_uint64", "clone_format");
            if (Settings.DataPool is { } dataPool)
                CephError.Check(Librbd.rbd_image_options_set_string(options, Librbd.ImageOptionDataPool, dataPool), "rbd_image_options_set_string", "data_pool");
            var result = Librbd.rbd_clone3(session.Pool, image, name, session.Pool, newVolumeName, options);
            if (result == -CephError.EEXIST) throw AlreadyExists(newVolumeName, location);
            if (result == -CephError.ENOENT)
                throw new CephException(CephError.ENOENT, $"rbd_clone3 ({parent} → {location}) failed: ENOENT: the snapshot or its image does not exist (removed outside StorageSnapshot?).");
            CephError.Check(result, "rbd_clone3", $"clone {parent} as {location} (clone format {format})", User);
            var size = snapshot.SizeBytes;
            if (size <= 0)
            {
                using var child = session.OpenImage(newVolumeName, null, readOnly: true);
                size = RbdImages.Size(child, location, User);
            }
            return Volume(newVolumeName, size) with
            {
                Details = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["cloneFormat"] = format.ToString(System.Globalization.CultureInfo.InvariantCulture), ["parent"] = parent },
            };
        }, $"rbd_clone3 of {parent} as {location}", cancellationToken).ConfigureAwait(false);
    }

    public async Task<IBlockReader> OpenSnapshotReaderAsync(DriverObject snapshot, CancellationToken cancellationToken)
    {
        var (image, name) = Locations.SnapshotOf(snapshot);
        var location = Locations.Snapshot(Settings, image, name);
        return await Run(() =>
        {
            var handle = session.OpenImage(image, name, readOnly: true);
            try
            {
                return (IBlockReader)new RbdSnapshotReader(handle, RbdImages.Size(handle, location, User), location, Settings, lease.Observe);
            }
            catch
            {
                handle.Dispose();
                throw;
            }
        }, $"rbd_open_read_only of {location}", cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ByteRange>> GetChangedRangesAsync(DriverObject older, DriverObject newer, CancellationToken cancellationToken)
    {
        var (olderImage, olderName) = Locations.SnapshotOf(older);
        var (newerImage, newerName) = Locations.SnapshotOf(newer);
        if (!string.Equals(olderImage, newerImage, StringComparison.Ordinal))
            throw new ArgumentException($"Snapshots {older.Reference} and {newer.Reference} are not of one image.", nameof(newer));
        var location = Locations.Snapshot(Settings, newerImage, newerName);
        return await Run(progress =>
        {
            using var handle = session.OpenImage(newerImage, newerName, readOnly: true);
            var size = RbdImages.Size(handle, location, User);
            return (IReadOnlyList<ByteRange>)RbdExtents.Changed(handle, olderName, (ulong)size, $"changes from {olderName} to {location}", User, progress, cancellationToken);
        }, $"rbd_diff_iterate2 from {olderName} to {location}", cancellationToken).ConfigureAwait(false);
    }

    public async Task<IBlockWriter> OpenVolumeWriterAsync(DriverObject volume, CancellationToken cancellationToken)
    {
        var image = Locations.ImageOf(volume);
        var location = Locations.Volume(Settings, image);
        return await Run(() =>
        {
            var handle = session.OpenImage(image, null, readOnly: false);
            try
            {
                return (IBlockWriter)new RbdVolumeWriter(handle, RbdImages.Size(handle, location, User), location, Settings, lease.Observe);
            }
            catch
            {
                handle.Dispose();
                throw;
            }
        }, $"rbd_open of {location}", cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        lease.Dispose();
        return ValueTask.CompletedTask;
    }

    private Task<T> Run<T>(Func<T> call, string what, CancellationToken cancellationToken) => Run(_ => call(), what, cancellationToken);

    private async Task<T> Run<T>(Func<BlockingCall.Progress, T> call, string what, CancellationToken cancellationToken)
    {
        try
        {
            return await BlockingCall.RunAsync(call, what, Settings.Timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (CephException e)
        {
            lease.Observe(e);
            throw;
        }
    }

    private DriverObject Volume(string image, long sizeBytes) => new()
    {
        Reference = image,
        Location = Locations.Volume(Settings, image),
        SizeBytes = sizeBytes,
    };

    /// <summary>
    /// A format-1 clone needs its parent snapshot protected: protected here unless it is already (a look through a
    /// read-only handle first, so that the common case does not take the image's exclusive lock).
    /// </summary>
    private void ProtectForClone(string image, string name, string parent)
    {
        using (var readOnly = session.OpenImage(image, name, readOnly: true))
        {
            CephError.Check(Librbd.rbd_snap_is_protected(readOnly, name, out var isProtected), "rbd_snap_is_protected", parent, User);
            if (isProtected != 0) return;
        }
        using var handle = session.OpenImage(image, null, readOnly: false);
        var protect = Librbd.rbd_snap_protect(handle, name);
        if (protect != -CephError.EBUSY) CephError.Check(protect, "rbd_snap_protect", $"protect {parent} for a format-1 clone", User);
    }

    private DriverObject? Find(RbdImageHandle handle, string image, string snapshotName)
    {
        var entry = RbdImages.Snapshots(handle, Locations.Volume(Settings, image), User).FirstOrDefault(s => s.Name == snapshotName);
        return entry.Name is null ? null : SnapshotObject(image, entry);
    }

    private DriverObject SnapshotObject(string image, RbdImages.SnapshotEntry entry)
    {
        var snapshotName = entry.Name;
        return new DriverObject
        {
            Reference = Locations.SnapshotReference(image, snapshotName),
            Location = Locations.Snapshot(Settings, image, snapshotName),
            SizeBytes = entry.SizeBytes,
            Details = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["snapshotId"] = entry.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        };
    }

    private string SnapshotNames(string image)
    {
        try
        {
            using var handle = session.OpenImage(image, null, readOnly: true);
            var names = RbdImages.Snapshots(handle, image, User).Select(s => s.Name).ToList();
            return names.Count == 0 ? "" : $" ({string.Join(", ", names)})";
        }
        catch (CephException)
        {
            return "";
        }
    }

    /// <summary>pool[/namespace]/image, as the rbd command takes it.</summary>
    private string Spec(string image) => Settings.LocationPrefix["rbd:".Length..] + "/" + image;

    private ConflictException AlreadyExists(string volumeName, string location) =>
        new(ErrorIds.AlreadyExists, $"An RBD image named '{volumeName}' already exists at {location} (backend '{backendName}').", volumeName);
}
