using StorageSnapshot.Engine.Platform.Linux;

namespace StorageSnapshot.Engine.Secondary.Repository;

/// <summary>Turns the operating system's I/O errors on secondary storage into errors a user can act on.</summary>
internal static class SecondaryStorageErrors
{
    /// <summary>
    /// What frees space in a full repository, exactly: removing copies alone does not (their chunks wait out the
    /// 24-hour grace period), and a rerun of the failed copy needs room for what it has not stored yet. In plain
    /// words; <see cref="ErrorHint.FreeSecondaryStorageSpace"/> is the same as a command.
    /// </summary>
    public const string FreeSpaceAdvice =
        "Free space now by removing the failed copies: that forgets them and deletes at once every chunk no committed copy references " +
        "(what failed copies stored, and what copies removed earlier left). Removing a copy frees its chunks only after a 24-hour grace period, " +
        "so remove the failed copies after removing copies you no longer need. Or add space. Then run the copy again.";

    /// <summary>The full-repository error of a copy to <paramref name="destination"/>, naming it and saying what frees space.</summary>
    public static SecondaryStorageFullException ForCopy(SecondaryStorageFullException full, string destination, string copyId) =>
        new($"Secondary storage '{destination}' at '{full.Root}' is full: no space left while {full.What}. Nothing was committed; copy {copyId} is Failed, and the chunks it stored stay for a rerun until they are removed.",
            full.Root, full.What, full)
        { RecommendedAction = FreeSpaceAdvice, Hint = ErrorHint.FreeSecondaryStorageSpace(destination) };

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
        if (e.HResult == Errno.EROFS || e.Message.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase))
        {
            return new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.PermissionDenied,
                $"Secondary storage '{root}' is read-only (while {what}). Nothing was committed.", root, e)
            { RecommendedAction = "Mount the share read-write." };
        }
        // .NET reports ENOSPC as its errno in HResult, except when preallocating ("... because the disk was full").
        if (e.HResult is Errno.ENOSPC or Errno.EDQUOT
            || e.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase)
            || e.Message.Contains("disk was full", StringComparison.OrdinalIgnoreCase))
        {
            return new SecondaryStorageFullException(
                $"Secondary storage '{root}' is full (no space left while {what}). Nothing was committed.", root, what, e)
            { RecommendedAction = FreeSpaceAdvice };
        }
        if (!Directory.Exists(root) || e is DirectoryNotFoundException || e.HResult is Errno.ESTALE or Errno.EIO)
        {
            return new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.ResourceUnavailable,
                $"Secondary storage '{root}' is not reachable (while {what}): {e.Message}", root, e)
            { RecommendedAction = "Check that the share is mounted and the repository directory exists, then run the copy again." };
        }
        return new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.WriteError,
            $"Secondary storage '{root}' failed while {what}: {e.Message}", root, e);
    }
}

/// <summary>Secondary storage has no space left (ENOSPC, or the quota is exhausted). Nothing was committed.</summary>
internal sealed class SecondaryStorageFullException : StorageSnapshotException
{
    /// <summary>Creates the error.</summary>
    public SecondaryStorageFullException(string message, string root, string what, Exception? inner)
        : base(ErrorIds.SecondaryStorageFailed, ErrorKind.WriteError, message, root, inner)
    {
        Root = root;
        What = what;
    }

    /// <summary>The repository directory.</summary>
    public string Root { get; }

    /// <summary>What was being done ("storing chunk …").</summary>
    public string What { get; }
}
