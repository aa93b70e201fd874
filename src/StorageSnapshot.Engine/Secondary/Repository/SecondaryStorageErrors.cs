namespace StorageSnapshot.Engine.Secondary.Repository;

/// <summary>Turns the operating system's I/O errors on secondary storage into errors a user can act on.</summary>
internal static class SecondaryStorageErrors
{
    private const int ENOSPC = 28;
    private const int EDQUOT = 122;
    private const int ESTALE = 116;
    private const int EIO = 5;
    private const int EROFS = 30;

    /// <summary>True for exceptions this class translates.</summary>
    public static bool IsStorageFailure(Exception e) =>
        e is (IOException or UnauthorizedAccessException) and not ChunkUnreadableException;

    /// <summary>The error for <paramref name="e"/>, raised while doing <paramref name="what"/> in the repository at <paramref name="root"/>.</summary>
    public static StorageSnapshotException From(Exception e, string root, string what)
    {
        if (e is UnauthorizedAccessException)
        {
            return new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.PermissionDenied,
                $"Permission denied on secondary storage '{root}' while {what}: {e.Message}", root, e)
            { RecommendedAction = "Give this user write access to the repository directory." };
        }
        if (e.HResult == EROFS || e.Message.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase))
        {
            return new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.PermissionDenied,
                $"Secondary storage '{root}' is read-only (while {what}). Nothing was committed.", root, e)
            { RecommendedAction = "Mount the share read-write." };
        }
        // .NET reports ENOSPC as its errno in HResult, except when preallocating ("... because the disk was full").
        if (e.HResult is ENOSPC or EDQUOT
            || e.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase)
            || e.Message.Contains("disk was full", StringComparison.OrdinalIgnoreCase))
        {
            return new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.WriteError,
                $"Secondary storage '{root}' is full (no space left while {what}). Nothing was committed.", root, e)
            { RecommendedAction = "Free space on the target (Remove-SnapshotCopy collects unreferenced chunks) and run the copy again." };
        }
        if (!Directory.Exists(root) || e is DirectoryNotFoundException || e.HResult is ESTALE or EIO)
        {
            return new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.ResourceUnavailable,
                $"Secondary storage '{root}' is not reachable (while {what}): {e.Message}", root, e)
            { RecommendedAction = "Check that the share is mounted and the repository directory exists, then run the copy again." };
        }
        return new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.WriteError,
            $"Secondary storage '{root}' failed while {what}: {e.Message}", root, e);
    }
}
