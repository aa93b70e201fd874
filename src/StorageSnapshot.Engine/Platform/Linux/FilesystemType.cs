namespace StorageSnapshot.Engine.Platform.Linux;

/// <summary>The filesystem a path lives on, by statfs f_type magic number.</summary>
internal static unsafe class FilesystemType
{
    /// <summary>XFS_SUPER_MAGIC.</summary>
    public const long Xfs = 0x58465342;

    /// <summary>BTRFS_SUPER_MAGIC.</summary>
    public const long Btrfs = 0x9123683E;

    /// <summary>f_type of the filesystem holding <paramref name="path"/>; null off Linux.</summary>
    public static long? Of(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        // struct statfs is 120 bytes on x86_64 and arm64; f_type (a long) comes first on both.
        var buffer = stackalloc byte[256];
        if (LibC.StatFs(path, buffer) != 0) throw LinuxIOException.FromLastError("statfs", path);
        return *(long*)buffer;
    }
}
