using StorageSnapshot.Engine.Platform;

namespace StorageSnapshot.Engine.Drivers.Directory;

/// <summary>What is wrong with a backend directory, one sentence per problem.</summary>
internal static class BackendDirectoryCheck
{
    /// <summary>
    /// Problems with <paramref name="path"/> as a backend directory: missing, not a directory, not writable.
    /// Writability is probed with a temporary dot-file that is removed at once (permission bits say nothing
    /// about read-only mounts, ACLs or root).
    /// </summary>
    public static IReadOnlyList<string> Problems(string? path)
    {
        var property = DirectoryDriver.PathProperty;
        if (string.IsNullOrWhiteSpace(path)) return new[] { $"Property '{property}' is required: the backend directory." };
        if (!System.IO.Path.IsPathFullyQualified(path)) return new[] { $"Property '{property}' must be an absolute path; got '{path}'." };
        if (File.Exists(path)) return new[] { $"Property '{property}': '{path}' is a file, not a directory." };
        if (!System.IO.Directory.Exists(path)) return new[] { $"Property '{property}': the directory '{path}' does not exist." };

        var probe = System.IO.Path.Combine(path, $".write-probe.{Guid.NewGuid():N}.tmp");
        try
        {
            using (new FileStream(probe, Platform.FilePermissions.OwnerOnly.NewFile(FileAccess.Write, options: FileOptions.DeleteOnClose)))
            {
            }
            return Array.Empty<string>();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new[] { $"Property '{property}': the directory '{path}' is not writable: {e.Message}" };
        }
        finally
        {
            StrayFiles.TryDelete(probe);
        }
    }
}
