using StorageSnapshot.Engine.Platform.Linux;

namespace StorageSnapshot.Engine.Drivers.Btrfs;

/// <summary>What is wrong with a directory as a btrfs backend, one sentence per problem.</summary>
internal static class BtrfsBackendCheck
{
    /// <summary>
    /// Problems with <paramref name="path"/>: missing, not a directory, not on btrfs (naming the filesystem found),
    /// or subvolumes cannot be made and deleted there (probed with a dot-named subvolume that is removed at once:
    /// deleting one needs root or a filesystem mounted with user_subvol_rm_allowed).
    /// </summary>
    public static IReadOnlyList<string> Problems(string? path)
    {
        var property = BtrfsDriver.PathProperty;
        if (string.IsNullOrWhiteSpace(path)) return new[] { $"Property '{property}' is required: a directory on a btrfs filesystem." };
        if (!Path.IsPathFullyQualified(path)) return new[] { $"Property '{property}' must be an absolute path; got '{path}'." };
        if (File.Exists(path)) return new[] { $"Property '{property}': '{path}' is a file, not a directory." };
        if (!System.IO.Directory.Exists(path)) return new[] { $"Property '{property}': the directory '{path}' does not exist." };
        if (!OperatingSystem.IsLinux()) return new[] { "The btrfs driver runs on Linux only." };
        if (FilesystemType.Of(path) != FilesystemType.Btrfs)
            return new[] { $"Property '{property}': '{path}' is on {FilesystemName(path)}, not btrfs. The btrfs driver needs a directory on a btrfs filesystem (the 'directory' driver works on any)." };

        var probe = $".subvolume-probe.{Guid.NewGuid():N}";
        try
        {
            BtrfsIoctls.CreateSubvolume(path, probe);
        }
        catch (LinuxIOException e)
        {
            return new[] { $"Property '{property}': cannot create btrfs subvolumes in '{path}': {e.Message}" };
        }
        try
        {
            BtrfsIoctls.DeleteSubvolume(path, probe);
            return Array.Empty<string>();
        }
        catch (LinuxIOException e)
        {
            return new[] { $"Property '{property}': cannot delete btrfs subvolumes in '{path}' (run as root, or mount the filesystem with user_subvol_rm_allowed; remove the probe subvolume '{Path.Combine(path, probe)}' by hand): {e.Message}" };
        }
    }

    /// <summary>"ext4", "xfs", ... as the system names the filesystem type of <paramref name="path"/>.</summary>
    public static string FilesystemName(string path)
    {
        try
        {
            return $"a {new DriveInfo(path).DriveFormat} filesystem";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return $"a filesystem of type 0x{FilesystemType.Of(path):X}";
        }
    }
}
