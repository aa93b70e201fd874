using StorageSnapshot.Engine.Platform;

namespace StorageSnapshot.Engine.Drivers.Qcow2;

/// <summary>What is wrong with a directory as a qcow2 backend, one sentence per problem.</summary>
internal static class Qcow2BackendCheck
{
    /// <summary>
    /// Problems with <paramref name="path"/>: missing, not a directory, not writable (probed with a dot-file removed at
    /// once), or qemu-img and qemu-nbd not installed.
    /// </summary>
    public static IReadOnlyList<string> Problems(string? path)
    {
        var property = Qcow2Driver.PathProperty;
        if (string.IsNullOrWhiteSpace(path)) return new[] { $"Property '{property}' is required: the directory holding the images." };
        if (!Path.IsPathFullyQualified(path)) return new[] { $"Property '{property}' must be an absolute path; got '{path}'." };
        if (File.Exists(path)) return new[] { $"Property '{property}': '{path}' is a file, not a directory." };
        if (!System.IO.Directory.Exists(path)) return new[] { $"Property '{property}': the directory '{path}' does not exist." };

        var problems = new List<string>();
        if (!OperatingSystem.IsLinux()) problems.Add("The qcow2 driver runs on Linux only.");
        foreach (var tool in new[] { QemuTools.QemuImg, QemuTools.QemuNbd }.Where(t => QemuTools.Find(t) is null))
            problems.Add($"'{tool}' is not installed: the qcow2 driver needs qemu-img and qemu-nbd (Debian and Ubuntu: apt install qemu-utils).");

        var probe = Path.Combine(path, $".write-probe.{Guid.NewGuid():N}.tmp");
        try
        {
            using (new FileStream(probe, FilePermissions.OwnerOnly.NewFile(FileAccess.Write, options: FileOptions.DeleteOnClose)))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add($"Property '{property}': the directory '{path}' is not writable: {e.Message}");
        }
        finally
        {
            if (File.Exists(probe)) File.Delete(probe);
        }
        return problems;
    }
}
