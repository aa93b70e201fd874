using StorageSnapshot.Engine.Platform;
using StorageSnapshot.Engine.Platform.Linux;

namespace StorageSnapshot.Engine.Drivers.Directory;

/// <summary>
/// Whether changed ranges can be computed in a backend directory: it must be on XFS or btrfs (whose FIEMAP
/// reports shared extents at their shared address) and reflinks must really work there (XFS without
/// reflink=1 refuses them). Probed once per open with two tiny dot-files that are removed again.
/// </summary>
internal static class ReflinkProbe
{
    /// <summary>True when the directory is on XFS or btrfs and FICLONE succeeds there.</summary>
    public static bool SupportsExtentComparison(string directory)
    {
        if (!OperatingSystem.IsLinux()) return false;
        var type = FilesystemType.Of(directory);
        if (type is not (FilesystemType.Xfs or FilesystemType.Btrfs)) return false;

        var source = Path.Combine(directory, $".reflink-probe.{Guid.NewGuid():N}.tmp");
        var clone = Path.Combine(directory, $".reflink-probe.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(source, FilePermissions.OwnerOnly.NewFile(FileAccess.Write)))
            {
                stream.Write(new byte[4096]);
            }
            using var sourceHandle = File.OpenHandle(source, FileMode.Open, FileAccess.Read);
            using var cloneStream = new FileStream(clone, FilePermissions.OwnerOnly.NewFile(FileAccess.ReadWrite));
            return Reflink.TryClone(cloneStream.SafeFileHandle, sourceHandle, clone);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only backend can still be opened to read snapshots; it just offers no changed ranges.
            return false;
        }
        finally
        {
            StrayFiles.TryDelete(source);
            StrayFiles.TryDelete(clone);
        }
    }
}
