using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Tests.Faults;

/// <summary>The names a repository gives its own temporary files, as the invariant checker needs them.</summary>
internal static class RepositoryOwnFiles
{
    /// <summary>
    /// True for <c>tmp/&lt;name&gt;</c> where the name is one the repository writes (the engine's own rule,
    /// <see cref="RepositoryFileNames.IsTemporaryFile"/>: its cleanup deletes exactly these).
    /// </summary>
    public static bool IsTemporaryFile(string relativePath) =>
        relativePath.StartsWith("tmp/", StringComparison.Ordinal) && RepositoryFileNames.IsTemporaryFile(relativePath["tmp/".Length..]);
}
