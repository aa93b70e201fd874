using System.Text.RegularExpressions;

namespace StorageSnapshot.Engine.Tests.Faults;

/// <summary>
/// Which files in a repository the invariant checker accepts as the repository's own work in progress: the
/// temporary files a writer killed before its rename leaves. This is the one predicate to change when the
/// repository's temporary-file naming changes (a repository temp prefix replacing today's names); nothing else in
/// the suite knows those names.
/// </summary>
internal static partial class RepositoryOwnFiles
{
    /// <summary>
    /// True for <paramref name="relativePath"/> (relative to the repository root, '/'-separated) naming a
    /// temporary file as the repository writes them today: a chunk being stored,
    /// <c>tmp/&lt;64 hex digest&gt;.&lt;32 hex&gt;.tmp</c>, or a manifest being committed,
    /// <c>tmp/&lt;copy id&gt;.&lt;32 hex&gt;.manifest.tmp</c>.
    /// </summary>
    public static bool IsTemporaryFile(string relativePath) => TemporaryFile().IsMatch(relativePath);

    [GeneratedRegex(@"\Atmp/(?:[0-9a-f]{64}\.[0-9a-f]{32}\.tmp|[0-9A-Za-z_-]{1,128}\.[0-9a-f]{32}\.manifest\.tmp)\z")]
    private static partial Regex TemporaryFile();
}
