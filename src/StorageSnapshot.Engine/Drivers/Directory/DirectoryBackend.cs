using StorageSnapshot.Engine.Drivers.RawImages;
using StorageSnapshot.Engine.Platform;
using StorageSnapshot.Engine.Platform.Linux;

namespace StorageSnapshot.Engine.Drivers.Directory;

/// <summary>
/// One directory backend, opened. Every change is made under a '.'-prefixed temporary name, fsynced, renamed
/// into place and made durable by fsyncing the directory, so a crash leaves either the old state or the new one
/// plus an unlisted temporary file — never a half-written volume or snapshot under its real name.
/// </summary>
internal sealed class DirectoryBackend : IDriverBackend
{
    private readonly DirectoryLayout layout;
    private readonly ImageCloner cloner;
    private readonly FilePermissions permissions;

    /// <summary>Opens the backend in <paramref name="directory"/>; new images and folders get <paramref name="permissions"/>.</summary>
    public DirectoryBackend(string directory, DriverCapabilities capabilities, ImageCloner cloner, FilePermissions permissions)
    {
        layout = new DirectoryLayout(directory);
        Capabilities = capabilities;
        this.cloner = cloner;
        this.permissions = permissions;
    }

    /// <inheritdoc />
    public DriverCapabilities Capabilities { get; }

    /// <inheritdoc />
    /// <remarks>
    /// An image is a sparse file, so the one hard limit is the filesystem's largest file (16 TiB on ext4 with 4 KiB
    /// blocks): probed by sizing a temporary dot-file that allocates nothing and is removed at once. A size above
    /// the free space is allowed — thin provisioning — with a warning.
    /// </remarks>
    public Task<CapacityCheck> CheckNewVolumeAsync(long sizeBytes, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var folder = System.IO.Directory.Exists(layout.VolumesDirectory) ? layout.VolumesDirectory : layout.Root;
        var problems = new List<string>();
        var warnings = new List<string>();
        var probe = Path.Combine(folder, $".size-probe.{Guid.NewGuid():N}.tmp");
        var filesystem = Describe(folder);
        try
        {
            using var stream = new FileStream(probe, FilePermissions.OwnerOnly.NewFile(FileAccess.ReadWrite, options: FileOptions.DeleteOnClose));
            stream.SetLength(sizeBytes);
        }
        catch (ArgumentOutOfRangeException)
        {
            // What .NET makes of EFBIG from ftruncate(2).
            problems.Add($"The filesystem of '{layout.Root}'{filesystem.Text} cannot hold a file of {Facade.InputRules.HumanSize(sizeBytes)} ({sizeBytes} bytes): it is larger than the largest file the filesystem allows. Choose a smaller size, or a backend on a filesystem with larger files (XFS, btrfs).");
        }
        catch (IOException e)
        {
            problems.Add($"The filesystem of '{layout.Root}'{filesystem.Text} refused a file of {Facade.InputRules.HumanSize(sizeBytes)} ({sizeBytes} bytes): {e.Message}");
        }
        finally
        {
            StrayFiles.TryDelete(probe);
        }
        if (problems.Count == 0 && filesystem.Free is { } free && sizeBytes > free)
        {
            warnings.Add($"The volume ({Facade.InputRules.HumanSize(sizeBytes)}) is larger than the {Facade.InputRules.HumanSize(free)} free on the filesystem of '{layout.Root}': it is thin-provisioned, and writes to it fail once that filesystem is full.");
        }
        return Task.FromResult(new CapacityCheck(problems, warnings));
    }

    /// <summary>" (ext4, 20 GiB)" and the free bytes, as far as the OS tells.</summary>
    private static (string Text, long? Free) Describe(string folder)
    {
        try
        {
            var drive = new DriveInfo(folder);
            return ($" ({drive.DriveFormat}, {Facade.InputRules.HumanSize(drive.TotalSize)})", drive.AvailableFreeSpace);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return ("", null);
        }
    }

    /// <inheritdoc />
    public async Task<DriverObject> CreateVolumeAsync(string volumeName, long sizeBytes, CancellationToken cancellationToken)
    {
        Require(DriverCapabilities.CreateVolume);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sizeBytes);
        cancellationToken.ThrowIfCancellationRequested();
        var target = layout.VolumePath(volumeName);
        EnsureDirectory(layout.VolumesDirectory);
        if (File.Exists(target)) throw AlreadyExists(volumeName, target);

        var temporary = DirectoryLayout.TemporaryPathBeside(target);
        try
        {
            await using (var image = new FileStream(temporary, permissions.NewFile(FileAccess.ReadWrite)))
            {
                permissions.Apply(image);
                image.SetLength(sizeBytes); // a hole of the full size: no blocks allocated
                image.Flush(flushToDisk: true);
            }
            if (!DurableFileSystem.TryRenameNoReplace(temporary, target)) throw AlreadyExists(volumeName, target);
        }
        catch
        {
            StrayFiles.TryDelete(temporary);
            throw;
        }
        DurableFileSystem.SyncDirectory(layout.VolumesDirectory);
        return ImageObject(target, method: null);
    }

    /// <inheritdoc />
    public Task DeleteVolumeAsync(DriverObject volume, CancellationToken cancellationToken)
    {
        Require(DriverCapabilities.Delete);
        cancellationToken.ThrowIfCancellationRequested();
        DeleteDurably(layout.ResolveVolume(volume));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<DriverObject?> FindVolumeAsync(string volumeName, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = layout.VolumePath(volumeName);
        return Task.FromResult(File.Exists(path) ? ImageObject(path, method: null) : null);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<DriverObject>> ListVolumesAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<DriverObject> volumes = !System.IO.Directory.Exists(layout.VolumesDirectory)
            ? Array.Empty<DriverObject>()
            : System.IO.Directory.EnumerateFiles(layout.VolumesDirectory, "*" + DirectoryLayout.ImageExtension)
                .Where(path => !DirectoryLayout.IsTemporary(path))
                .Order(StringComparer.Ordinal)
                .Select(path => ImageObject(path, method: null) with { Name = DirectoryLayout.VolumeNameOf(path) })
                .ToArray();
        return Task.FromResult(volumes);
    }

    /// <inheritdoc />
    public async Task<DriverObject> CreateSnapshotAsync(DriverObject volume, string snapshotKey, CancellationToken cancellationToken)
    {
        Require(DriverCapabilities.Snapshot);
        cancellationToken.ThrowIfCancellationRequested();
        var source = layout.ResolveVolume(volume);
        var target = layout.SnapshotPath(DirectoryLayout.VolumeNameOf(source), snapshotKey);
        // Idempotent for recovery: a snapshot exists under its real name only once complete.
        if (File.Exists(target)) return ImageObject(target, method: null);
        if (!File.Exists(source)) throw new FileNotFoundException($"The volume image '{source}' does not exist.", source);

        var folder = Path.GetDirectoryName(target)!;
        EnsureDirectory(layout.SnapshotsDirectory);
        EnsureDirectory(folder);
        var temporary = DirectoryLayout.TemporaryPathBeside(target);
        var method = await cloner.CloneToNewFileAsync(source, temporary, cancellationToken).ConfigureAwait(false);
        if (!DurableFileSystem.TryRenameNoReplace(temporary, target))
        {
            // Made meanwhile by a replay of this same create: that one is complete, keep it.
            StrayFiles.TryDelete(temporary);
            return ImageObject(target, method: null);
        }
        DurableFileSystem.SyncDirectory(folder);
        return ImageObject(target, method);
    }

    /// <inheritdoc />
    public Task<DriverObject?> FindSnapshotAsync(DriverObject volume, string snapshotKey, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = layout.SnapshotPath(DirectoryLayout.VolumeNameOf(layout.ResolveVolume(volume)), snapshotKey);
        return Task.FromResult(File.Exists(path) ? ImageObject(path, method: null) : null);
    }

    /// <inheritdoc />
    public Task DeleteSnapshotAsync(DriverObject snapshot, CancellationToken cancellationToken)
    {
        Require(DriverCapabilities.Delete);
        cancellationToken.ThrowIfCancellationRequested();
        DeleteDurably(layout.ResolveSnapshot(snapshot));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task RevertVolumeAsync(DriverObject volume, DriverObject snapshot, CancellationToken cancellationToken)
    {
        Require(DriverCapabilities.Revert);
        cancellationToken.ThrowIfCancellationRequested();
        var target = layout.ResolveVolume(volume);
        var source = layout.ResolveSnapshot(snapshot);
        if (!File.Exists(target)) throw new FileNotFoundException($"The volume image '{target}' does not exist.", target);

        // The snapshot's contents go to a temporary file beside the volume; only the final rename(2) replaces the
        // volume, atomically. Until then the volume is untouched, and on any failure the temporary file goes.
        var temporary = DirectoryLayout.TemporaryPathBeside(target);
        await cloner.CloneToNewFileAsync(source, temporary, cancellationToken).ConfigureAwait(false);
        try
        {
            // The volume keeps the permissions it has (an admin may have opened it to a hypervisor's group).
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temporary, File.GetUnixFileMode(target));
            cancellationToken.ThrowIfCancellationRequested();
            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            StrayFiles.TryDelete(temporary);
            throw;
        }
        DurableFileSystem.SyncDirectory(Path.GetDirectoryName(target)!);
    }

    /// <inheritdoc />
    public async Task<DriverObject> CloneVolumeAsync(DriverObject snapshot, string newVolumeName, CancellationToken cancellationToken)
    {
        Require(DriverCapabilities.Clone);
        cancellationToken.ThrowIfCancellationRequested();
        var source = layout.ResolveSnapshot(snapshot);
        var target = layout.VolumePath(newVolumeName);
        EnsureDirectory(layout.VolumesDirectory);
        if (File.Exists(target)) throw AlreadyExists(newVolumeName, target);

        var temporary = DirectoryLayout.TemporaryPathBeside(target);
        var method = await cloner.CloneToNewFileAsync(source, temporary, cancellationToken).ConfigureAwait(false);
        if (!DurableFileSystem.TryRenameNoReplace(temporary, target))
        {
            StrayFiles.TryDelete(temporary);
            throw AlreadyExists(newVolumeName, target);
        }
        DurableFileSystem.SyncDirectory(layout.VolumesDirectory);
        return ImageObject(target, method);
    }

    /// <inheritdoc />
    public Task<IBlockReader> OpenSnapshotReaderAsync(DriverObject snapshot, CancellationToken cancellationToken)
    {
        Require(DriverCapabilities.ReadSnapshot);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IBlockReader>(new FileBlockReader(layout.ResolveSnapshot(snapshot)));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ByteRange>> GetChangedRangesAsync(DriverObject older, DriverObject newer, CancellationToken cancellationToken)
    {
        Require(DriverCapabilities.ChangedRanges);
        var olderPath = layout.ResolveSnapshot(older);
        var newerPath = layout.ResolveSnapshot(newer);
        using var olderFile = File.OpenHandle(olderPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var newerFile = File.OpenHandle(newerPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var olderExtents = FileExtentMap.Read(olderFile, olderPath, cancellationToken);
        var newerExtents = FileExtentMap.Read(newerFile, newerPath, cancellationToken);
        return Task.FromResult(ExtentComparison.ChangedRanges(
            olderExtents, RandomAccess.GetLength(olderFile), newerExtents, RandomAccess.GetLength(newerFile)));
    }

    /// <inheritdoc />
    /// <remarks>
    /// Every change is made under ".&lt;file&gt;.&lt;32 hex&gt;.tmp" beside its target (<see cref="DirectoryLayout.TemporaryPathBeside"/>):
    /// those of the volume's image in the volumes folder, and those of the keyed snapshots in the volume's snapshot folder.
    /// </remarks>
    public Task<int> DeleteLeftoversAsync(string volumeName, IReadOnlyCollection<string> snapshotKeys, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var deleted = DeleteTemporaries(layout.VolumesDirectory, volumeName);
        var snapshotFolder = System.IO.Path.Combine(layout.SnapshotsDirectory, volumeName);
        foreach (var key in snapshotKeys) deleted += DeleteTemporaries(snapshotFolder, key);
        return Task.FromResult(deleted);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<DriverSnapshot>> ListSnapshotsAsync(DriverObject volume, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var folder = layout.SnapshotFolder(DirectoryLayout.VolumeNameOf(layout.ResolveVolume(volume)));
        IReadOnlyList<DriverSnapshot> snapshots = !System.IO.Directory.Exists(folder)
            ? Array.Empty<DriverSnapshot>()
            : System.IO.Directory.EnumerateFiles(folder, "*" + DirectoryLayout.ImageExtension)
                .Where(path => !DirectoryLayout.IsTemporary(path))
                .Order(StringComparer.Ordinal)
                .Select(path => new DriverSnapshot(System.IO.Path.GetFileNameWithoutExtension(path), ImageObject(path, method: null)))
                .ToArray();
        return Task.FromResult(snapshots);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<DriverLeftover>> ListLeftoversAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var leftovers = new List<DriverLeftover>();
        foreach (var (path, stem) in Temporaries(layout.VolumesDirectory)) leftovers.Add(new DriverLeftover(path, stem, null));
        if (System.IO.Directory.Exists(layout.SnapshotsDirectory))
        {
            foreach (var folder in System.IO.Directory.EnumerateDirectories(layout.SnapshotsDirectory).Order(StringComparer.Ordinal))
            {
                var volumeName = System.IO.Path.GetFileName(folder);
                foreach (var (path, stem) in Temporaries(folder)) leftovers.Add(new DriverLeftover(path, volumeName, stem));
            }
        }
        return Task.FromResult<IReadOnlyList<DriverLeftover>>(leftovers);
    }

    /// <summary>This driver's own temporary files in <paramref name="folder"/> (".&lt;stem&gt;.img.&lt;32 hex&gt;.tmp") and their stems.</summary>
    private static IEnumerable<(string Path, string Stem)> Temporaries(string folder)
    {
        if (!System.IO.Directory.Exists(folder)) yield break;
        const string suffix = DirectoryLayout.ImageExtension + ".";
        foreach (var path in System.IO.Directory.EnumerateFiles(folder, ".*.tmp").Order(StringComparer.Ordinal))
        {
            var name = System.IO.Path.GetFileName(path)[1..^".tmp".Length];
            var at = name.LastIndexOf(suffix, StringComparison.Ordinal);
            if (at <= 0) continue;
            var middle = name[(at + suffix.Length)..];
            if (middle.Length != 32 || !middle.All(char.IsAsciiHexDigitLower)) continue; // only our own temporary names
            yield return (path, name[..at]);
        }
    }

    private static int DeleteTemporaries(string folder, string stem)
    {
        if (!System.IO.Directory.Exists(folder) || stem.Length == 0 || stem.IndexOfAny(new[] { '/', '\\', '*', '?' }) >= 0) return 0;
        var deleted = 0;
        var prefix = "." + stem + DirectoryLayout.ImageExtension + ".";
        foreach (var path in System.IO.Directory.EnumerateFiles(folder, prefix + "*.tmp"))
        {
            var middle = System.IO.Path.GetFileName(path)[prefix.Length..^".tmp".Length];
            if (middle.Length != 32 || !middle.All(char.IsAsciiHexDigitLower)) continue; // only our own temporary names
            File.Delete(path);
            deleted++;
        }
        if (deleted > 0) DurableFileSystem.SyncDirectory(folder);
        return deleted;
    }

    /// <inheritdoc />
    public Task<IBlockWriter> OpenVolumeWriterAsync(DriverObject volume, CancellationToken cancellationToken)
    {
        Require(DriverCapabilities.WriteVolume);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IBlockWriter>(new FileBlockWriter(layout.ResolveVolume(volume)));
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private void Require(DriverCapabilities capability)
    {
        if (!Capabilities.HasFlag(capability))
            throw new NotSupportedException($"The directory backend at '{layout.Root}' does not support {capability}.");
    }

    private DriverObject ImageObject(string path, CopyMethod? method)
    {
        var details = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (method is { } m) details[CopyMethodDetails.Key] = m.ToDetail();
        return new DriverObject
        {
            Reference = layout.ReferenceOf(path),
            Location = path,
            SizeBytes = new FileInfo(path).Length,
            Details = details,
        };
    }

    private static void DeleteDurably(string path)
    {
        if (!File.Exists(path)) return; // already gone: success (recovery replays deletes)
        File.Delete(path);
        DurableFileSystem.SyncDirectory(Path.GetDirectoryName(path)!);
    }

    private void EnsureDirectory(string directory)
    {
        if (System.IO.Directory.Exists(directory)) return;
        permissions.CreateDirectory(directory);
        DurableFileSystem.SyncDirectory(Path.GetDirectoryName(directory)!);
    }

    private static ConflictException AlreadyExists(string volumeName, string path) =>
        new(ErrorIds.AlreadyExists, $"A volume named '{volumeName}' already exists ('{path}').", volumeName, ErrorKind.ResourceExists);
}
