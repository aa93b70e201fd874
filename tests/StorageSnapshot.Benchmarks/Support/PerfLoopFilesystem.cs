namespace StorageSnapshot.Benchmarks.Support;

/// <summary>The filesystem a <see cref="PerfLoopFilesystem"/> is made with.</summary>
internal enum LoopFilesystemKind
{
    /// <summary>XFS with reflink on: cheap snapshots for the directory driver, files over 16 TiB (ext4 stops there).</summary>
    XfsReflink,

    /// <summary>btrfs, for the btrfs driver's subvolumes.</summary>
    Btrfs,
}

/// <summary>
/// A filesystem for the benchmarks on a loop device with direct I/O (no second page cache) over a sparse file
/// /tmp/storagesnapshot-perf-*.img, mounted on /tmp/storagesnapshot-perf-mnt-*: the names the test infrastructure's
/// cleanup knows. Every suite that needs a loop filesystem makes it here. Dispose unmounts, detaches and deletes it,
/// also after a failed step (a failed mkfs or mount included).
/// </summary>
internal sealed class PerfLoopFilesystem : IDisposable
{
    private readonly string _image;
    private string? _device;
    private bool _mounted;

    private PerfLoopFilesystem(string image, string mountPoint)
    {
        _image = image;
        MountPoint = mountPoint;
    }

    /// <summary>Where the filesystem is mounted.</summary>
    public string MountPoint { get; }

    /// <summary>The loop device.</summary>
    public string Device => _device ?? "";

    public static PerfLoopFilesystem Create(long sizeBytes, LoopFilesystemKind kind)
    {
        var id = Guid.NewGuid().ToString("N");
        var filesystem = new PerfLoopFilesystem($"/tmp/storagesnapshot-perf-{id}.img", $"/tmp/storagesnapshot-perf-mnt-{id}");
        try
        {
            using (var image = new FileStream(filesystem._image, FileMode.CreateNew, FileAccess.Write)) image.SetLength(sizeBytes);
            // --direct-io=on: the loop device reads and writes its backing file with O_DIRECT, like a disk. Without it
            // every block passes through a second page cache (the backing file's), and `sync` can return while the
            // bytes it pushed into that cache are not yet on the VM's disk: `cp` + `sync` of 2 GiB then "finished"
            // in 1.7-1.9 s where dd measured 2.0 s to write 2 GiB directly, while an fsync through the loop device
            // (what the engine and the cmdlets do) waits for the real disk. So the cp + sync baselines were flattering.
            filesystem._device = Tool.Run("losetup", "-f", "--show", "--direct-io=on", filesystem._image).Trim();
            var directIo = File.ReadAllText($"/sys/block/{Path.GetFileName(filesystem._device)}/loop/dio").Trim() == "1";
            if (!directIo) Console.WriteLine($"note: {filesystem._device} runs without direct I/O (the filesystem of /tmp refused it): cp + sync may not reach the disk");
            switch (kind)
            {
                case LoopFilesystemKind.XfsReflink:
                    Tool.Run("mkfs.xfs", "-f", "-q", "-m", "reflink=1", filesystem._device);
                    break;
                case LoopFilesystemKind.Btrfs:
                    Tool.Run("mkfs.btrfs", "-f", "-q", filesystem._device);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(kind), kind, "no such loop filesystem");
            }
            Directory.CreateDirectory(filesystem.MountPoint);
            Tool.Run("mount", filesystem._device, filesystem.MountPoint);
            filesystem._mounted = true;
            return filesystem;
        }
        catch
        {
            filesystem.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_mounted)
        {
            try
            {
                Tool.Run("umount", MountPoint);
            }
            catch (InvalidOperationException)
            {
                Tool.Run("umount", "-l", MountPoint);
            }
            _mounted = false;
        }
        if (Directory.Exists(MountPoint)) Directory.Delete(MountPoint);
        if (_device is not null)
        {
            Tool.Run("losetup", "-d", _device);
            _device = null;
        }
        File.Delete(_image);
    }
}
