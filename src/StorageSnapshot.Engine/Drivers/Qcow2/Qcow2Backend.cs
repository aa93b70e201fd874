using System.Runtime.Versioning;
using StorageSnapshot.Engine.Drivers.Qcow2.Nbd;
using StorageSnapshot.Engine.Platform;
using StorageSnapshot.Engine.Platform.Linux;

namespace StorageSnapshot.Engine.Drivers.Qcow2;

/// <summary>
/// One qcow2 backend, opened. Snapshots are external: the volume's active layer becomes the snapshot (a second name,
/// then the volume's name is given to a new empty overlay backed by it), so what a layer allocates is exactly what
/// changed since the snapshot below it. Every change of which file a name holds is one rename(2) of a complete,
/// fsynced file, made durable by fsyncing images/; every operation that changes names or chains holds the exclusive
/// <see cref="ChainLock"/> and first removes what a crash left (dot-named temporaries, a snapshot name still linked to
/// its volume's active layer). The layout is described on <see cref="Qcow2Layout"/>.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class Qcow2Backend : IDriverBackend
{
    /// <summary>128 KiB clusters with extended L2 entries: 32 subclusters of 4 KiB, the granularity of changed ranges.</summary>
    public const string CreateOptions = "cluster_size=131072,extended_l2=on";

    /// <summary>qcow2 counts virtual sizes in 512-byte sectors.</summary>
    public const long SectorSize = 512;

    /// <summary>The largest virtual size qcow2 takes with those clusters (L1 of 32 MiB × 8192 entries per L2 table × 128 KiB).</summary>
    public const long MaximumSize = 1L << 52;

    private readonly Qcow2Layout layout;
    private readonly FilePermissions permissions;
    private readonly bool fullClones;

    /// <summary>Opens the backend in <paramref name="directory"/>.</summary>
    public Qcow2Backend(string directory, DriverCapabilities capabilities, FilePermissions permissions, bool fullClones)
    {
        layout = new Qcow2Layout(directory);
        Capabilities = capabilities;
        this.permissions = permissions;
        this.fullClones = fullClones;
    }

    /// <inheritdoc />
    public DriverCapabilities Capabilities { get; }

    /// <inheritdoc />
    public Task<CapacityCheck> CheckNewVolumeAsync(long sizeBytes, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var problems = new List<string>();
        var warnings = new List<string>();
        if (sizeBytes % SectorSize != 0)
            problems.Add(SectorProblem(sizeBytes));
        if (sizeBytes > MaximumSize)
            problems.Add($"A qcow2 image of this backend ({CreateOptions}) holds at most {Facade.InputRules.HumanSize(MaximumSize)}; {Facade.InputRules.HumanSize(sizeBytes)} ({sizeBytes} bytes) is more.");
        try
        {
            var free = new DriveInfo(layout.Root).AvailableFreeSpace;
            if (problems.Count == 0 && sizeBytes > free)
                warnings.Add($"The volume ({Facade.InputRules.HumanSize(sizeBytes)}) is larger than the {Facade.InputRules.HumanSize(free)} free on the filesystem of '{layout.Root}': qcow2 images grow as they are written, and writes fail once that filesystem is full.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // The free space is unknown: nothing to warn about.
        }
        return Task.FromResult(new CapacityCheck(problems, warnings));
    }

    /// <inheritdoc />
    public async Task<DriverObject> CreateVolumeAsync(string volumeName, long sizeBytes, CancellationToken cancellationToken)
    {
        Require(DriverCapabilities.CreateVolume);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sizeBytes);
        if (sizeBytes % SectorSize != 0) throw new ArgumentException(SectorProblem(sizeBytes), nameof(sizeBytes));
        cancellationToken.ThrowIfCancellationRequested();
        var file = Qcow2Layout.VolumeFile(volumeName);
        EnsureDirectory(layout.ImagesDirectory);
        using var chainLock = await ChainLock.AcquireAsync(layout.ChainLockPath, exclusive: true, cancellationToken).ConfigureAwait(false);
        RemoveLeftovers();
        var target = layout.PathOf(file);
        if (File.Exists(target)) throw AlreadyExists(volumeName, target);

        var temporary = await NewImageAsync(file, sizeBytes, backing: null, permissions.File, cancellationToken).ConfigureAwait(false);
        if (!DurableFileSystem.TryRenameNoReplace(temporary, target))
        {
            StrayFiles.TryDelete(temporary);
            throw AlreadyExists(volumeName, target);
        }
        DurableFileSystem.SyncDirectory(layout.ImagesDirectory);
        return ImageObject(file);
    }

    /// <inheritdoc />
    public async Task DeleteVolumeAsync(DriverObject volume, CancellationToken cancellationToken)
    {
        Require(DriverCapabilities.Delete);
        cancellationToken.ThrowIfCancellationRequested();
        var (name, file) = layout.ResolveVolume(volume);
        if (!System.IO.Directory.Exists(layout.ImagesDirectory)) return;
        using var chainLock = await ChainLock.AcquireAsync(layout.ChainLockPath, exclusive: true, cancellationToken).ConfigureAwait(false);
        RemoveLeftovers();
        var path = layout.PathOf(file);
        ImageUse.RefuseIfInUse(path, $"volume '{name}'", "delete it");
        // Its snapshots stay (they are layers of their own); nothing is ever backed by a volume's active layer.
        LayerFiles.DeleteDurably(path);
    }

    /// <inheritdoc />
    public Task<DriverObject?> FindVolumeAsync(string volumeName, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var file = Qcow2Layout.VolumeFile(volumeName);
        return Task.FromResult(Qcow2Layout.IsVolumeFile(file) && File.Exists(layout.PathOf(file)) ? ImageObject(file) : null);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<DriverObject>> ListVolumesAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<DriverObject> volumes = !System.IO.Directory.Exists(layout.ImagesDirectory)
            ? Array.Empty<DriverObject>()
            : System.IO.Directory.EnumerateFiles(layout.ImagesDirectory, "*" + Qcow2Layout.Extension)
                .Select(Path.GetFileName)
                .OfType<string>()
                .Where(Qcow2Layout.IsVolumeFile)
                .Order(StringComparer.Ordinal)
                .Select(file => ImageObject(file) with { Name = file[..^Qcow2Layout.Extension.Length] })
                .ToArray();
        return Task.FromResult(volumes);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Under the exclusive chain lock: a new empty overlay backed by the snapshot's name is made and fsynced beside
    /// the volume; the volume's active layer gets the snapshot's name as a second link; one rename then gives the
    /// volume's name to the overlay. Until that rename the volume is untouched and the snapshot's name is still the
    /// volume's own file, which <see cref="FindSnapshotAsync"/> treats as no snapshot (and the next chain change
    /// unlinks); after it, the snapshot is the old active layer, whole and no longer written.
    /// </remarks>
    public async Task<DriverObject> CreateSnapshotAsync(DriverObject volume, string snapshotKey, CancellationToken cancellationToken)
    {
        Require(DriverCapabilities.Snapshot);
        cancellationToken.ThrowIfCancellationRequested();
        var (name, volumeFile) = layout.ResolveVolume(volume);
        var snapshotFile = Qcow2Layout.SnapshotFile(name, snapshotKey);
        var volumePath = layout.PathOf(volumeFile);
        var snapshotPath = layout.PathOf(snapshotFile);
        EnsureDirectory(layout.ImagesDirectory);
        using var chainLock = await ChainLock.AcquireAsync(layout.ChainLockPath, exclusive: true, cancellationToken).ConfigureAwait(false);
        RemoveLeftovers();
        if (File.Exists(snapshotPath)) return ImageObject(snapshotFile); // a replay: made whole before

        var chain = BackingChain.Of(volumePath);
        ImageUse.RefuseIfInUse(volumePath, $"volume '{name}'", "snapshot it");
        var temporary = await NewImageAsync(volumeFile, chain.VirtualSize, snapshotFile, File.GetUnixFileMode(volumePath), cancellationToken).ConfigureAwait(false);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (LibC.Link(volumePath, snapshotPath) != 0) throw LinuxIOException.FromLastError($"link to '{snapshotPath}'", volumePath);
        }
        catch
        {
            StrayFiles.TryDelete(temporary);
            throw;
        }
        DurableFileSystem.SyncDirectory(layout.ImagesDirectory);
        File.Move(temporary, volumePath, overwrite: true);
        DurableFileSystem.SyncDirectory(layout.ImagesDirectory);
        return ImageObject(snapshotFile);
    }

    /// <inheritdoc />
    public Task<DriverObject?> FindSnapshotAsync(DriverObject volume, string snapshotKey, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var (name, volumeFile) = layout.ResolveVolume(volume);
        var snapshotFile = Qcow2Layout.SnapshotFile(name, snapshotKey);
        var path = layout.PathOf(snapshotFile);
        var whole = File.Exists(path) && !LayerFiles.AreSameFile(path, layout.PathOf(volumeFile));
        return Task.FromResult(whole ? ImageObject(snapshotFile) : null);
    }

    /// <inheritdoc />
    public async Task DeleteSnapshotAsync(DriverObject snapshot, CancellationToken cancellationToken)
    {
        Require(DriverCapabilities.Delete);
        cancellationToken.ThrowIfCancellationRequested();
        var (volume, key, file) = layout.ResolveSnapshot(snapshot);
        if (!System.IO.Directory.Exists(layout.ImagesDirectory)) return;
        using var chainLock = await ChainLock.AcquireAsync(layout.ChainLockPath, exclusive: true, cancellationToken).ConfigureAwait(false);
        RemoveLeftovers();
        await LayerMerge.DeleteLayerAsync(layout, file, $"snapshot '{key}' of volume '{volume}'", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>A new empty overlay backed by the snapshot, fsynced, renamed over the volume's active layer (whose data since its last snapshot is what a revert discards).</remarks>
    public async Task RevertVolumeAsync(DriverObject volume, DriverObject snapshot, CancellationToken cancellationToken)
    {
        Require(DriverCapabilities.Revert);
        cancellationToken.ThrowIfCancellationRequested();
        var (name, volumeFile) = layout.ResolveVolume(volume);
        var (_, _, snapshotFile) = layout.ResolveSnapshot(snapshot);
        var volumePath = layout.PathOf(volumeFile);
        using var chainLock = await ChainLock.AcquireAsync(layout.ChainLockPath, exclusive: true, cancellationToken).ConfigureAwait(false);
        RemoveLeftovers();
        BackingChain.Of(volumePath);
        var chain = RequireSnapshot(snapshotFile);
        ImageUse.RefuseIfInUse(volumePath, $"volume '{name}'", "revert it");

        var temporary = await NewImageAsync(volumeFile, chain.VirtualSize, snapshotFile, File.GetUnixFileMode(volumePath), cancellationToken).ConfigureAwait(false);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            File.Move(temporary, volumePath, overwrite: true);
        }
        catch
        {
            StrayFiles.TryDelete(temporary);
            throw;
        }
        DurableFileSystem.SyncDirectory(layout.ImagesDirectory);
    }

    /// <inheritdoc />
    /// <remarks>Thin (the default): a new overlay backed by the snapshot. With CloneMode=full: a standalone copy (qemu-img convert), independent of the snapshot's chain.</remarks>
    public async Task<DriverObject> CloneVolumeAsync(DriverObject snapshot, string newVolumeName, CancellationToken cancellationToken)
    {
        Require(DriverCapabilities.Clone);
        cancellationToken.ThrowIfCancellationRequested();
        var (_, _, snapshotFile) = layout.ResolveSnapshot(snapshot);
        var file = Qcow2Layout.VolumeFile(newVolumeName);
        var target = layout.PathOf(file);
        using var chainLock = await ChainLock.AcquireAsync(layout.ChainLockPath, exclusive: true, cancellationToken).ConfigureAwait(false);
        RemoveLeftovers();
        var chain = RequireSnapshot(snapshotFile);
        if (File.Exists(target)) throw AlreadyExists(newVolumeName, target);

        var temporary = await NewImageAsync(file, chain.VirtualSize, fullClones ? null : snapshotFile, permissions.File, cancellationToken).ConfigureAwait(false);
        try
        {
            if (fullClones)
            {
                await QemuTools.RunImgAsync(layout.ImagesDirectory,
                    new[] { "convert", "-n", "-f", "qcow2", "-O", "qcow2", layout.PathOf(snapshotFile), temporary }, cancellationToken).ConfigureAwait(false);
                LayerFiles.Sync(temporary);
            }
            if (!DurableFileSystem.TryRenameNoReplace(temporary, target)) throw AlreadyExists(newVolumeName, target);
        }
        catch
        {
            StrayFiles.TryDelete(temporary);
            throw;
        }
        DurableFileSystem.SyncDirectory(layout.ImagesDirectory);
        var clone = ImageObject(file);
        return clone with { Details = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["cloneMode"] = fullClones ? "full" : "thin" } };
    }

    /// <inheritdoc />
    public async Task<IBlockReader> OpenSnapshotReaderAsync(DriverObject snapshot, CancellationToken cancellationToken)
    {
        Require(DriverCapabilities.ReadSnapshot);
        cancellationToken.ThrowIfCancellationRequested();
        var (_, _, file) = layout.ResolveSnapshot(snapshot);
        BackingChain chain;
        IReadOnlyList<ImageMapEntry> map;
        using (await ChainLock.AcquireAsync(layout.ChainLockPath, exclusive: false, cancellationToken).ConfigureAwait(false))
        {
            chain = RequireSnapshot(file);
            map = await ImageMap.ReadAsync(layout.PathOf(file), cancellationToken).ConfigureAwait(false);
            if (ChainBlockReader.CanRead(map)) return ChainBlockReader.Open(chain, map);
        }
        var export = await QemuNbdExport.StartAsync(layout.PathOf(file), readOnly: true, cancellationToken).ConfigureAwait(false);
        return new NbdBlockReader(export, Allocated(map));
    }

    /// <inheritdoc />
    /// <remarks>
    /// From the two chains and their maps: below the deepest layer both chains share, the two snapshots read the
    /// same; above it, each side's layers hold what differs. For snapshots along one line (the older one in the
    /// newer's chain) that is exactly what the newer's layers above the older allocate, at 4 KiB subclusters.
    /// </remarks>
    public async Task<IReadOnlyList<ByteRange>> GetChangedRangesAsync(DriverObject older, DriverObject newer, CancellationToken cancellationToken)
    {
        Require(DriverCapabilities.ChangedRanges);
        var (_, _, olderFile) = layout.ResolveSnapshot(older);
        var (_, _, newerFile) = layout.ResolveSnapshot(newer);
        using var chainLock = await ChainLock.AcquireAsync(layout.ChainLockPath, exclusive: false, cancellationToken).ConfigureAwait(false);
        var olderChain = RequireSnapshot(olderFile);
        var newerChain = RequireSnapshot(newerFile);
        var newerMap = await ImageMap.ReadAsync(layout.PathOf(newerFile), cancellationToken).ConfigureAwait(false);
        var shared = newerChain.Files.FirstOrDefault(f => olderChain.Files.Contains(f));
        var newerDepth = shared is null ? int.MaxValue : newerChain.DepthOf(shared);
        var olderDepth = shared is null ? int.MaxValue : olderChain.DepthOf(shared);
        var changed = newerMap.Where(e => e.Present && e.Depth < newerDepth).Select(e => new ByteRange(e.Start, e.Length)).ToList();
        if (olderDepth > 0)
        {
            var olderMap = await ImageMap.ReadAsync(layout.PathOf(olderFile), cancellationToken).ConfigureAwait(false);
            changed.AddRange(olderMap.Where(e => e.Present && e.Depth < olderDepth).Select(e => new ByteRange(e.Start, e.Length)));
        }
        var length = newerChain.VirtualSize;
        if (olderChain.VirtualSize != length) changed.Add(new ByteRange(Math.Min(length, olderChain.VirtualSize), Math.Abs(length - olderChain.VirtualSize)));
        return Merge(changed, length);
    }

    /// <inheritdoc />
    /// <remarks>Through a qemu-nbd export of the volume held for the writer's lifetime: qemu's image lock then keeps VMs (and other writers) off it.</remarks>
    public async Task<IBlockWriter> OpenVolumeWriterAsync(DriverObject volume, CancellationToken cancellationToken)
    {
        Require(DriverCapabilities.WriteVolume);
        cancellationToken.ThrowIfCancellationRequested();
        var (name, file) = layout.ResolveVolume(volume);
        var path = layout.PathOf(file);
        BackingChain.Of(path);
        ImageUse.RefuseIfInUse(path, $"volume '{name}'", "write to it");
        var export = await QemuNbdExport.StartAsync(path, readOnly: false, cancellationToken).ConfigureAwait(false);
        return new NbdBlockWriter(export, path);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <inheritdoc />
    public Task<IReadOnlyList<DriverSnapshot>> ListSnapshotsAsync(DriverObject volume, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var (name, volumeFile) = layout.ResolveVolume(volume);
        var prefix = name + "@";
        var volumePath = layout.PathOf(volumeFile);
        IReadOnlyList<DriverSnapshot> snapshots = !System.IO.Directory.Exists(layout.ImagesDirectory)
            ? Array.Empty<DriverSnapshot>()
            : System.IO.Directory.EnumerateFiles(layout.ImagesDirectory, prefix + "*" + Qcow2Layout.Extension)
                .Select(Path.GetFileName)
                .OfType<string>()
                .Where(file => !Qcow2Layout.IsTemporary(file) && file.IndexOf('@', prefix.Length) < 0)
                // A snapshot name that is still a second link to the volume's active layer is a crash's leftover, not a snapshot.
                .Where(file => !LayerFiles.AreSameFile(layout.PathOf(file), volumePath))
                .Order(StringComparer.Ordinal)
                .Select(file => new DriverSnapshot(file[prefix.Length..^Qcow2Layout.Extension.Length], ImageObject(file)))
                .ToArray();
        return Task.FromResult(snapshots);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<DriverLeftover>> ListLeftoversAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var leftovers = new List<DriverLeftover>();
        if (!System.IO.Directory.Exists(layout.ImagesDirectory)) return Task.FromResult<IReadOnlyList<DriverLeftover>>(leftovers);
        foreach (var entry in System.IO.Directory.EnumerateFiles(layout.ImagesDirectory, ".*.tmp").Order(StringComparer.Ordinal))
        {
            // .<file>.<32 hex>.tmp, where <file> is <volume>.qcow2 or <volume>@<key>.qcow2
            var name = Path.GetFileName(entry)[1..^".tmp".Length];
            var dot = name.LastIndexOf('.');
            if (dot <= 0 || name.Length - dot - 1 != 32) continue;
            var file = name[..dot];
            if (!file.EndsWith(Qcow2Layout.Extension, StringComparison.Ordinal)) continue;
            var stem = file[..^Qcow2Layout.Extension.Length];
            var at = stem.IndexOf('@', StringComparison.Ordinal);
            leftovers.Add(at < 0 ? new DriverLeftover(entry, stem, null) : new DriverLeftover(entry, stem[..at], stem[(at + 1)..]));
        }
        foreach (var entry in System.IO.Directory.EnumerateFiles(layout.ImagesDirectory, "*@*" + Qcow2Layout.Extension).Order(StringComparer.Ordinal))
        {
            var stem = Path.GetFileName(entry)[..^Qcow2Layout.Extension.Length];
            var at = stem.IndexOf('@', StringComparison.Ordinal);
            if (Qcow2Layout.IsTemporary(stem) || at <= 0) continue;
            if (LayerFiles.AreSameFile(entry, layout.PathOf(stem[..at] + Qcow2Layout.Extension)))
                leftovers.Add(new DriverLeftover(entry, stem[..at], stem[(at + 1)..]));
        }
        return Task.FromResult<IReadOnlyList<DriverLeftover>>(leftovers);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Under the exclusive chain lock nothing else is at work in images/, so every leftover there goes (the next chain
    /// change would remove them all anyway); returns how many.
    /// </remarks>
    public async Task<int> DeleteLeftoversAsync(string volumeName, IReadOnlyCollection<string> snapshotKeys, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!System.IO.Directory.Exists(layout.ImagesDirectory)) return 0;
        using var chainLock = await ChainLock.AcquireAsync(layout.ChainLockPath, exclusive: true, cancellationToken).ConfigureAwait(false);
        var before = (await ListLeftoversAsync(cancellationToken).ConfigureAwait(false)).Count;
        RemoveLeftovers();
        return before - (await ListLeftoversAsync(cancellationToken).ConfigureAwait(false)).Count;
    }

    /// <summary>
    /// Under the exclusive chain lock nothing else is at work in images/, so every dot-named temporary is a crash's
    /// leftover, and so is a snapshot name that is still a second link to its volume's active layer.
    /// </summary>
    private void RemoveLeftovers()
    {
        if (!System.IO.Directory.Exists(layout.ImagesDirectory)) return;
        foreach (var entry in System.IO.Directory.EnumerateFiles(layout.ImagesDirectory, ".*.tmp")) StrayFiles.TryDelete(entry);
        foreach (var entry in System.IO.Directory.EnumerateFiles(layout.ImagesDirectory, "*@*" + Qcow2Layout.Extension))
        {
            var name = Path.GetFileName(entry);
            var volume = layout.PathOf(name[..name.IndexOf('@', StringComparison.Ordinal)] + Qcow2Layout.Extension);
            if (LayerFiles.AreSameFile(entry, volume)) LayerFiles.DeleteDurably(entry);
        }
    }

    /// <summary>Makes a new image under a temporary name beside <paramref name="file"/>, with <paramref name="mode"/>, fsynced.</summary>
    private async Task<string> NewImageAsync(string file, long size, string? backing, UnixFileMode mode, CancellationToken cancellationToken)
    {
        var temporary = layout.PathOf(Qcow2Layout.TemporaryFor(file));
        // Created empty with its final mode first, so the image is never readable by others, whatever the umask.
        using (new FileStream(temporary, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode }))
        {
        }
        try
        {
            File.SetUnixFileMode(temporary, mode);
            var arguments = new List<string> { "create", "-q", "-f", "qcow2", "-o", CreateOptions };
            // -u: the backing file is not opened (a snapshot's name does not exist yet when its overlay is made).
            if (backing is not null) arguments.AddRange(new[] { "-b", backing, "-F", "qcow2", "-u" });
            arguments.Add(temporary);
            arguments.Add(size.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await QemuTools.RunImgAsync(layout.ImagesDirectory, arguments, cancellationToken).ConfigureAwait(false);
            File.SetUnixFileMode(temporary, mode);
            LayerFiles.Sync(temporary);
            return temporary;
        }
        catch
        {
            StrayFiles.TryDelete(temporary);
            throw;
        }
    }

    private BackingChain RequireSnapshot(string file)
    {
        var path = layout.PathOf(file);
        if (!File.Exists(path)) throw new FileNotFoundException($"The snapshot image '{path}' does not exist (was it deleted outside StorageSnapshot?).", path);
        return BackingChain.Of(path);
    }

    private static IReadOnlyList<ByteRange> Allocated(IReadOnlyList<ImageMapEntry> map) =>
        Merge(map.Where(e => e.Data).Select(e => new ByteRange(e.Start, e.Length)), long.MaxValue);

    private static IReadOnlyList<ByteRange> Merge(IEnumerable<ByteRange> ranges, long length)
    {
        var merged = new List<ByteRange>();
        foreach (var range in ranges.OrderBy(r => r.Offset))
        {
            var end = Math.Min(range.End, length);
            if (end <= range.Offset) continue;
            if (merged.Count > 0 && merged[^1].End >= range.Offset)
            {
                if (end > merged[^1].End) merged[^1] = new ByteRange(merged[^1].Offset, end - merged[^1].Offset);
            }
            else
            {
                merged.Add(new ByteRange(range.Offset, end - range.Offset));
            }
        }
        return merged;
    }

    private static string SectorProblem(long sizeBytes) =>
        $"A qcow2 image's size is a whole number of 512-byte sectors; {sizeBytes} bytes is not (the nearest sizes are {sizeBytes / SectorSize * SectorSize} and {(sizeBytes / SectorSize + 1) * SectorSize}).";

    private void Require(DriverCapabilities capability)
    {
        if (!Capabilities.HasFlag(capability))
            throw new NotSupportedException($"The qcow2 backend at '{layout.Root}' does not support {capability}.");
    }

    private DriverObject ImageObject(string file)
    {
        var path = layout.PathOf(file);
        return new DriverObject { Reference = Qcow2Layout.ReferenceOf(file), Location = path, SizeBytes = Qcow2Header.Read(path).VirtualSize };
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
