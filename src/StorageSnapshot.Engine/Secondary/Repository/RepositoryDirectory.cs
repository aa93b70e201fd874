namespace StorageSnapshot.Engine.Secondary.Repository;

/// <summary>
/// The rules for the directory a repository lives in. A repository is created only in a new or empty directory:
/// registering a folder that already holds files would mix the repository's files with the user's, and a later
/// cleanup could not tell them apart (it once deleted a user's own tmp/ files). A directory that is missing or
/// empty when a repository is expected is reported as not reachable — on a share that is what an unmounted
/// mount point looks like — not as "not a repository".
/// </summary>
internal static class RepositoryDirectory
{
    /// <summary>Entries that do not make a directory "not empty": what mkfs puts at the root of a new filesystem.</summary>
    private static readonly string[] IgnoredEntries = ["lost+found"];

    /// <summary>How many entries an error message names before "and N more".</summary>
    private const int EntriesNamed = 5;

    /// <summary>
    /// Makes sure a new repository may be created at <paramref name="root"/>: the directory exists (or is
    /// created, owner-only, when <paramref name="createMissing"/>) and is empty. Throws a precise error otherwise.
    /// </summary>
    public static void PrepareForNewRepository(string root, bool createMissing)
    {
        if (!CheckCanCreateIn(root, createMissing)) return;
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(root);
        else Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>
    /// Checks, changing nothing, that a new repository may be created at <paramref name="root"/>: true when the
    /// directory must be created first, false when it exists and is empty; throws a precise error otherwise.
    /// </summary>
    public static bool CheckCanCreateIn(string root, bool createMissing)
    {
        if (File.Exists(root))
            throw Invalid($"Cannot create a repository at '{root}': it is a file, not a directory.", root);
        if (!Directory.Exists(root))
        {
            if (!createMissing)
            {
                throw new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.ObjectNotFound,
                    $"The directory '{root}' does not exist. A repository is created in a missing directory only when asked to, so that a mistyped or unmounted share path does not silently become a local folder.", root)
                {
                    RecommendedAction = "Check the path (is the share mounted?), or ask for the directory to be created.",
                    Hint = ErrorHint.CreateRepositoryDirectory(root),
                };
            }
            return true;
        }

        var entries = Entries(root).ToList();
        if (entries.Count > 0)
        {
            throw Invalid(
                $"Cannot create a repository in '{root}': the directory is not empty and is not a StorageSnapshot repository (it has no {FileSystemChunkStore.FormatFileName}); it holds {Describe(entries)}. A repository is created only in an empty or new directory.",
                root, "Choose an empty directory, or a new one to be created.", ErrorHint.ChooseEmptyRepositoryDirectory(root));
        }
        return false;
    }

    /// <summary>The error for opening a registered repository whose directory holds no format file.</summary>
    public static StorageSnapshotException NotARepository(string root)
    {
        if (!Directory.Exists(root))
        {
            return new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.ResourceUnavailable,
                $"Secondary storage '{root}' is not reachable: the directory does not exist.", root)
            { RecommendedAction = "Check that the share is mounted and the repository directory exists." };
        }
        var entries = Entries(root).ToList();
        if (entries.Count == 0)
        {
            return new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.ResourceUnavailable,
                $"Secondary storage '{root}' is not reachable: the directory is empty (its {FileSystemChunkStore.FormatFileName}, chunks and manifests are not there).", root)
            { RecommendedAction = "Check that the share is mounted on that directory." };
        }
        return new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.InvalidData,
            $"'{root}' is not a StorageSnapshot repository: it has no {FileSystemChunkStore.FormatFileName} (it holds {Describe(entries)}).", root);
    }

    /// <summary>The error for a directory that holds another repository than the one registered there.</summary>
    public static StorageSnapshotException AnotherRepository(string root, string? foundId, string expectedId) =>
        new(ErrorIds.SecondaryStorageFailed, ErrorKind.InvalidData,
            $"'{root}' holds a different repository (id {foundId ?? "none"}) from the one registered there (id {expectedId}). Nothing was read or written.", root)
        { RecommendedAction = "Check which share is mounted on that directory." };

    private static IEnumerable<string> Entries(string root) =>
        Directory.EnumerateFileSystemEntries(root)
            .Select(Path.GetFileName)
            .Where(name => name is not null && !IgnoredEntries.Contains(name, StringComparer.Ordinal)
                           && !name.StartsWith("." + RepositoryFileNames.TemporaryPrefix, StringComparison.Ordinal))
            .Select(name => name!)
            .Order(StringComparer.Ordinal);

    private static string Describe(IReadOnlyList<string> entries)
    {
        var named = string.Join(", ", entries.Take(EntriesNamed).Select(e => $"'{e}'"));
        return entries.Count > EntriesNamed ? $"{named} and {entries.Count - EntriesNamed} more" : named;
    }

    private static ValidationException Invalid(string message, string root, string? recommendedAction = null, ErrorHint? hint = null) =>
        new(ErrorIds.InvalidArgument, message, root) { RecommendedAction = recommendedAction, Hint = hint };
}
