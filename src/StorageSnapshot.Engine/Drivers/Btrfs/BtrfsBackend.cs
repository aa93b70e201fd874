using System.Runtime.Versioning;
using StorageSnapshot.Engine.Drivers.RawImages;
using StorageSnapshot.Engine.Platform;
using StorageSnapshot.Engine.Platform.Linux;

namespace StorageSnapshot.Engine.Drivers.Btrfs;

/// <summary>
/// One btrfs backend, opened. Snapshots, clones and the revert's new subvolume are btrfs snapshots, each made in
/// one btrfs transaction (whole or not at all). What is made in several steps — a new volume (subvolume, then its
/// image) and a clone (snapshot, then permissions) — is made under a dot-name in volumes/ and renamed into place
/// without replacing anything; a revert swaps names with renameat2(RENAME_EXCHANGE), so the volume's name always
/// names a whole subvolume, old or new. Leftovers of work a crash interrupted carry the volume's name
/// (<see cref="BtrfsLayout.IsWorkOf"/>) and are removed by the next operation on that volume, which the engine's
/// volume lock makes the only one running on it.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class BtrfsBackend : IDriverBackend
{
    private readonly BtrfsLayout layout;
    private readonly FilePermissions permissions;

    /// <summary>Opens the backend in <paramref name="directory"/>.</summary>
    public BtrfsBackend(string directory, DriverCapabilities capabilities, FilePermissions permissions)
    {
        layout = new BtrfsLayout(directory);
        Capabilities = capabilities;
        this.permissions = permissions;
    }

    /// <inheritdoc />
    public DriverCapabilities Capabilities { get; }

    /// <inheritdoc />
    /// <remarks>btrfs takes files up to 16 EiB, so nothing refuses a size; one above the free space is thin-provisioned.</remarks>
    public Task<CapacityCheck> CheckNewVolumeAsync(long sizeBytes, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var warnings = new List<string>();
        try
        {
            var free = new DriveInfo(layout.Root).AvailableFreeSpace;
            if (sizeBytes > free)
                warnings.Add($"The volume ({Facade.InputRules.HumanSize(sizeBytes)}) is larger than the {Facade.InputRules.HumanSize(free)} free on the btrfs filesystem of '{layout.Root}': it is thin-provisioned, and writes to it fail once that filesystem is full.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // The free space is unknown: nothing to warn about.
        }
        return Task.FromResult(new CapacityCheck(Array.Empty<string>(), warnings));
    }

    /// <inheritdoc />
    public Task<DriverObject> CreateVolumeAsync(string volumeName, long sizeBytes, CancellationToken cancellationToken)
    {
        Require(DriverCapabilities.CreateVolume);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sizeBytes);
        cancellationToken.ThrowIfCancellationRequested();
        var target = layout.VolumePath(volumeName);
        EnsureDirectory(layout.VolumesDirectory);
        RemoveLeftoverWork(volumeName);
        if (Path.Exists(target)) throw AlreadyExists(volumeName, target);

        var work = BtrfsLayout.WorkName(volumeName, "create");
        var workPath = Path.Combine(layout.VolumesDirectory, work);
        BtrfsIoctls.CreateSubvolume(layout.VolumesDirectory, work);
        try
        {
            SetDirectoryMode(workPath);
            using (var image = new FileStream(BtrfsLayout.ImageOf(workPath), permissions.NewFile(FileAccess.ReadWrite)))
            {
                permissions.Apply(image);
                image.SetLength(sizeBytes); // a hole of the full size: reads as zeros, allocates nothing
                image.Flush(flushToDisk: true);
            }
            if (!DurableFileSystem.TryRenameNoReplace(workPath, target)) throw AlreadyExists(volumeName, target);
        }
        catch
        {
            TryDeleteSubvolume(layout.VolumesDirectory, work);
            throw;
        }
        DurableFileSystem.SyncDirectory(layout.VolumesDirectory);
        return Task.FromResult(VolumeObject(volumeName));
    }

    /// <inheritdoc />
    public Task DeleteVolumeAsync(DriverObject volume, CancellationToken cancellationToken)
    {
        Require(DriverCapabilities.Delete);
        cancellationToken.ThrowIfCancellationRequested();
        var (name, _) = layout.ResolveVolume(volume);
        RemoveLeftoverWork(name);
        if (BtrfsIoctls.DeleteSubvolume(layout.VolumesDirectory, name)) DurableFileSystem.SyncDirectory(layout.VolumesDirectory);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<DriverObject?> FindVolumeAsync(string volumeName, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // A volume is a subvolume holding its image; work in progress is dot-named and never this path.
        return Task.FromResult(File.Exists(BtrfsLayout.ImageOf(layout.VolumePath(volumeName))) ? VolumeObject(volumeName) : null);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<DriverObject>> ListVolumesAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<DriverObject> volumes = !System.IO.Directory.Exists(layout.VolumesDirectory)
            ? Array.Empty<DriverObject>()
            : System.IO.Directory.EnumerateDirectories(layout.VolumesDirectory)
                .Select(Path.GetFileName)
                .OfType<string>()
                .Where(name => !name.StartsWith('.') && File.Exists(BtrfsLayout.ImageOf(Path.Combine(layout.VolumesDirectory, name))))
                .Order(StringComparer.Ordinal)
                .Select(name => VolumeObject(name) with { Name = name })
                .ToArray();
        return Task.FromResult(volumes);
    }

    /// <inheritdoc />
    public Task<DriverObject> CreateSnapshotAsync(DriverObject volume, string snapshotKey, CancellationToken cancellationToken)
    {
        Require(DriverCapabilities.Snapshot);
        cancellationToken.ThrowIfCancellationRequested();
        var (name, source) = layout.ResolveVolume(volume);
        var target = layout.SnapshotPath(name, snapshotKey);
        // A replay: the snapshot was made in one transaction, so if its name exists it is whole.
        if (IsSubvolume(target)) return Task.FromResult(SnapshotObject(name, snapshotKey));
        RequireVolume(name, source);

        var folder = layout.SnapshotFolder(name);
        EnsureDirectory(layout.SnapshotsDirectory);
        EnsureDirectory(folder);
        // btrfs flushes the volume's dirty pages into the snapshot and commits the transaction before returning.
        BtrfsIoctls.TryCreateSnapshot(source, folder, snapshotKey, readOnly: true);
        DurableFileSystem.SyncDirectory(folder);
        return Task.FromResult(SnapshotObject(name, snapshotKey));
    }

    /// <inheritdoc />
    public Task<DriverObject?> FindSnapshotAsync(DriverObject volume, string snapshotKey, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var (name, _) = layout.ResolveVolume(volume);
        return Task.FromResult(IsSubvolume(layout.SnapshotPath(name, snapshotKey)) ? SnapshotObject(name, snapshotKey) : null);
    }

    /// <inheritdoc />
    public Task DeleteSnapshotAsync(DriverObject snapshot, CancellationToken cancellationToken)
    {
        Require(DriverCapabilities.Delete);
        cancellationToken.ThrowIfCancellationRequested();
        var (volume, key, _) = layout.ResolveSnapshot(snapshot);
        var folder = layout.SnapshotFolder(volume);
        if (BtrfsIoctls.DeleteSubvolume(folder, key)) DurableFileSystem.SyncDirectory(folder);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>
    /// A writable snapshot of the snapshot is made under a dot-name beside the volume and takes the volume's
    /// permissions; one renameat2(RENAME_EXCHANGE) then swaps the two names, and fsync of volumes/ makes the swap
    /// durable (btrfs commits the transaction for a subvolume rename). Only then is the old subvolume, now under
    /// the dot-name, deleted. A crash before the swap leaves the volume as it was, one after it the reverted
    /// volume; either way the dot-named leftover goes with the next operation on the volume.
    /// </remarks>
    public Task RevertVolumeAsync(DriverObject volume, DriverObject snapshot, CancellationToken cancellationToken)
    {
        Require(DriverCapabilities.Revert);
        cancellationToken.ThrowIfCancellationRequested();
        var (name, target) = layout.ResolveVolume(volume);
        var (_, _, source) = layout.ResolveSnapshot(snapshot);
        RequireVolume(name, target);
        RequireSnapshot(source);
        RemoveLeftoverWork(name);

        var work = BtrfsLayout.WorkName(name, "revert");
        var workPath = Path.Combine(layout.VolumesDirectory, work);
        BtrfsIoctls.TryCreateSnapshot(source, layout.VolumesDirectory, work, readOnly: false);
        try
        {
            // The volume keeps the permissions it has (an admin may have opened it to a hypervisor's group).
            File.SetUnixFileMode(workPath, File.GetUnixFileMode(target));
            File.SetUnixFileMode(BtrfsLayout.ImageOf(workPath), File.GetUnixFileMode(BtrfsLayout.ImageOf(target)));
            cancellationToken.ThrowIfCancellationRequested();
            DurableFileSystem.Exchange(workPath, target);
        }
        catch
        {
            TryDeleteSubvolume(layout.VolumesDirectory, work);
            throw;
        }
        DurableFileSystem.SyncDirectory(layout.VolumesDirectory);
        TryDeleteSubvolume(layout.VolumesDirectory, work); // the old volume; a failure leaves a leftover, not an error
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<DriverObject> CloneVolumeAsync(DriverObject snapshot, string newVolumeName, CancellationToken cancellationToken)
    {
        Require(DriverCapabilities.Clone);
        cancellationToken.ThrowIfCancellationRequested();
        var (_, _, source) = layout.ResolveSnapshot(snapshot);
        var target = layout.VolumePath(newVolumeName);
        RequireSnapshot(source);
        EnsureDirectory(layout.VolumesDirectory);
        RemoveLeftoverWork(newVolumeName);
        if (Path.Exists(target)) throw AlreadyExists(newVolumeName, target);

        var work = BtrfsLayout.WorkName(newVolumeName, "clone");
        var workPath = Path.Combine(layout.VolumesDirectory, work);
        BtrfsIoctls.TryCreateSnapshot(source, layout.VolumesDirectory, work, readOnly: false);
        try
        {
            SetDirectoryMode(workPath);
            File.SetUnixFileMode(BtrfsLayout.ImageOf(workPath), permissions.File);
            if (!DurableFileSystem.TryRenameNoReplace(workPath, target)) throw AlreadyExists(newVolumeName, target);
        }
        catch
        {
            TryDeleteSubvolume(layout.VolumesDirectory, work);
            throw;
        }
        DurableFileSystem.SyncDirectory(layout.VolumesDirectory);
        return Task.FromResult(VolumeObject(newVolumeName));
    }

    /// <inheritdoc />
    public Task<IBlockReader> OpenSnapshotReaderAsync(DriverObject snapshot, CancellationToken cancellationToken)
    {
        Require(DriverCapabilities.ReadSnapshot);
        cancellationToken.ThrowIfCancellationRequested();
        var (_, _, subvolume) = layout.ResolveSnapshot(snapshot);
        RequireSnapshot(subvolume);
        return Task.FromResult<IBlockReader>(new FileBlockReader(BtrfsLayout.ImageOf(subvolume)));
    }

    /// <inheritdoc />
    /// <remarks>
    /// The kernel's own comparison of the two snapshots' trees (BTRFS_IOC_SEND with NO_FILE_DATA), read by
    /// <see cref="SendStreamReader"/>: only extents that differ are reported, at the filesystem's block size, and
    /// no file data is read. Both must be read-only snapshots, which every snapshot of this driver is.
    /// </remarks>
    public async Task<IReadOnlyList<ByteRange>> GetChangedRangesAsync(DriverObject older, DriverObject newer, CancellationToken cancellationToken)
    {
        Require(DriverCapabilities.ChangedRanges);
        var (_, _, olderPath) = layout.ResolveSnapshot(older);
        var (_, _, newerPath) = layout.ResolveSnapshot(newer);
        RequireSnapshot(olderPath);
        RequireSnapshot(newerPath);
        var length = new FileInfo(BtrfsLayout.ImageOf(newerPath)).Length;
        var olderLength = new FileInfo(BtrfsLayout.ImageOf(olderPath)).Length;
        var changes = new ImageChanges(BtrfsLayout.ImageName, length, olderLength);
        await BtrfsIoctls.SendWithoutDataAsync(newerPath, BtrfsIoctls.SubvolumeId(olderPath),
            (stream, ct) => SendStreamReader.ReadAsync(stream, changes.Add, ct), cancellationToken).ConfigureAwait(false);
        return changes.Ranges();
    }

    /// <inheritdoc />
    public Task<IBlockWriter> OpenVolumeWriterAsync(DriverObject volume, CancellationToken cancellationToken)
    {
        Require(DriverCapabilities.WriteVolume);
        cancellationToken.ThrowIfCancellationRequested();
        var (name, subvolume) = layout.ResolveVolume(volume);
        RequireVolume(name, subvolume);
        return Task.FromResult<IBlockWriter>(new FileBlockWriter(BtrfsLayout.ImageOf(subvolume)));
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private void Require(DriverCapabilities capability)
    {
        if (!Capabilities.HasFlag(capability))
            throw new NotSupportedException($"The btrfs backend at '{layout.Root}' does not support {capability}.");
    }

    private DriverObject VolumeObject(string name)
    {
        var subvolume = layout.VolumePath(name);
        var image = BtrfsLayout.ImageOf(subvolume);
        return new DriverObject { Reference = layout.ReferenceOf(subvolume), Location = image, SizeBytes = new FileInfo(image).Length };
    }

    private DriverObject SnapshotObject(string volume, string key)
    {
        var subvolume = layout.SnapshotPath(volume, key);
        var image = BtrfsLayout.ImageOf(subvolume);
        return new DriverObject { Reference = layout.ReferenceOf(subvolume), Location = image, SizeBytes = new FileInfo(image).Length };
    }

    private static bool IsSubvolume(string path) =>
        FileIdentity.Of(path) is { Inode: FileIdentity.BtrfsSubvolumeRootInode };

    /// <summary>A volume whose subvolume or image was removed behind the module's back is an error naming it.</summary>
    private static void RequireVolume(string name, string subvolume)
    {
        if (!IsSubvolume(subvolume))
            throw new FileNotFoundException($"The subvolume '{subvolume}' of volume '{name}' does not exist (was it deleted outside StorageSnapshot?).", subvolume);
        var image = BtrfsLayout.ImageOf(subvolume);
        if (!File.Exists(image))
            throw new FileNotFoundException($"The image '{image}' of volume '{name}' does not exist (was it deleted outside StorageSnapshot?).", image);
    }

    private static void RequireSnapshot(string subvolume)
    {
        if (!IsSubvolume(subvolume))
            throw new FileNotFoundException($"The snapshot subvolume '{subvolume}' does not exist (was it deleted outside StorageSnapshot?).", subvolume);
        var image = BtrfsLayout.ImageOf(subvolume);
        if (!File.Exists(image))
            throw new FileNotFoundException($"The snapshot image '{image}' does not exist.", image);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<DriverSnapshot>> ListSnapshotsAsync(DriverObject volume, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var (name, _) = layout.ResolveVolume(volume);
        var folder = layout.SnapshotFolder(name);
        IReadOnlyList<DriverSnapshot> snapshots = !System.IO.Directory.Exists(folder)
            ? Array.Empty<DriverSnapshot>()
            : System.IO.Directory.EnumerateDirectories(folder)
                .Select(Path.GetFileName)
                .OfType<string>()
                .Where(key => !key.StartsWith('.') && IsSubvolume(Path.Combine(folder, key)) && File.Exists(BtrfsLayout.ImageOf(Path.Combine(folder, key))))
                .Order(StringComparer.Ordinal)
                .Select(key => new DriverSnapshot(key, SnapshotObject(name, key)))
                .ToArray();
        return Task.FromResult(snapshots);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<DriverLeftover>> ListLeftoversAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var leftovers = new List<DriverLeftover>();
        if (!System.IO.Directory.Exists(layout.VolumesDirectory)) return Task.FromResult<IReadOnlyList<DriverLeftover>>(leftovers);
        foreach (var entry in System.IO.Directory.EnumerateDirectories(layout.VolumesDirectory, ".*").Order(StringComparer.Ordinal))
        {
            // .<volume>.<work>-<32 hex>: the volume name is what lies between the first dot and the last one.
            var name = Path.GetFileName(entry);
            var last = name.LastIndexOf('.');
            if (last <= 1) continue;
            var volumeName = name[1..last];
            if (BtrfsLayout.IsWorkOf(name, volumeName)) leftovers.Add(new DriverLeftover(entry, volumeName, null));
        }
        return Task.FromResult<IReadOnlyList<DriverLeftover>>(leftovers);
    }

    /// <inheritdoc />
    public Task<int> DeleteLeftoversAsync(string volumeName, IReadOnlyCollection<string> snapshotKeys, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var before = System.IO.Directory.Exists(layout.VolumesDirectory)
            ? System.IO.Directory.EnumerateDirectories(layout.VolumesDirectory, "." + volumeName + ".*").Count(e => BtrfsLayout.IsWorkOf(Path.GetFileName(e), volumeName))
            : 0;
        if (before == 0) return Task.FromResult(0);
        RemoveLeftoverWork(volumeName);
        var after = System.IO.Directory.EnumerateDirectories(layout.VolumesDirectory, "." + volumeName + ".*").Count(e => BtrfsLayout.IsWorkOf(Path.GetFileName(e), volumeName));
        return Task.FromResult(before - after);
    }

    /// <summary>Deletes the dot-named subvolumes a crash left while working on <paramref name="volumeName"/>.</summary>
    private void RemoveLeftoverWork(string volumeName)
    {
        if (!System.IO.Directory.Exists(layout.VolumesDirectory)) return;
        foreach (var entry in System.IO.Directory.EnumerateDirectories(layout.VolumesDirectory, "." + volumeName + ".*"))
        {
            var name = Path.GetFileName(entry);
            if (BtrfsLayout.IsWorkOf(name, volumeName)) TryDeleteSubvolume(layout.VolumesDirectory, name);
        }
    }

    private static void TryDeleteSubvolume(string parent, string name)
    {
        try
        {
            BtrfsIoctls.DeleteSubvolume(parent, name);
        }
        catch (IOException)
        {
            // A leftover dot-name: removed by the next operation on the volume.
        }
    }

    private void SetDirectoryMode(string path) => File.SetUnixFileMode(path, permissions.Directory);

    private void EnsureDirectory(string directory)
    {
        if (System.IO.Directory.Exists(directory)) return;
        permissions.CreateDirectory(directory);
        DurableFileSystem.SyncDirectory(Path.GetDirectoryName(directory)!);
    }

    private static ConflictException AlreadyExists(string volumeName, string path) =>
        new(ErrorIds.AlreadyExists, $"A volume named '{volumeName}' already exists ('{path}').", volumeName, ErrorKind.ResourceExists);
}
