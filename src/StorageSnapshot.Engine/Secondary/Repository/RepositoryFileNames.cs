using System.Text.RegularExpressions;

namespace StorageSnapshot.Engine.Secondary.Repository;

/// <summary>
/// The names a repository gives its own files, and the tests that recognise them. Cleanup and chunk collection
/// delete only files that pass these tests: a file someone else put in a repository folder (or a folder that
/// was never a repository) is never deleted, whatever its age.
/// </summary>
internal static partial class RepositoryFileNames
{
    /// <summary>Every temporary file the repository writes starts with this.</summary>
    public const string TemporaryPrefix = "storagesnapshot-tmp-";

    /// <summary>A new temporary name for a chunk being written.</summary>
    public static string NewTemporaryChunk() => $"{TemporaryPrefix}{Guid.NewGuid():N}.chunk";

    /// <summary>A new temporary name for a manifest being written.</summary>
    public static string NewTemporaryManifest() => $"{TemporaryPrefix}{Guid.NewGuid():N}.manifest";

    /// <summary>A new temporary name for the chunk list a copy stages before its manifest (named after the copy, for diagnosis).</summary>
    public static string NewTemporaryChunkList(string copyId) => $"{TemporaryPrefix}{Guid.NewGuid():N}.{copyId}.chunklist";

    /// <summary>A new temporary name for the format file being written (in the repository root).</summary>
    public static string NewTemporaryFormatFile() => $".{TemporaryPrefix}{Guid.NewGuid():N}.format";

    /// <summary>
    /// True for a temporary file this code (or the version before the prefix existed) writes in tmp/:
    /// <c>storagesnapshot-tmp-&lt;32 hex&gt;.(chunk|manifest)</c>, <c>storagesnapshot-tmp-&lt;32 hex&gt;.&lt;copy id&gt;.chunklist</c>, or the older
    /// <c>&lt;64 hex&gt;.&lt;32 hex&gt;.tmp</c> and <c>&lt;copy id&gt;.&lt;32 hex&gt;.manifest.tmp</c>.
    /// </summary>
    public static bool IsTemporaryFile(string fileName) => TemporaryFile().IsMatch(fileName);

    /// <summary>True for a fan-out folder of chunks/: two lowercase hex digits.</summary>
    public static bool IsFanOutDirectory(string directoryName) =>
        directoryName is [var a, var b] && IsLowerHex(a) && IsLowerHex(b);

    /// <summary>True for a chunk file: its digest (64 lowercase hex digits) in the fan-out folder of its first two.</summary>
    public static bool IsChunkFile(string fanOutDirectoryName, string fileName) =>
        ChunkDigest.IsValid(fileName) && fileName.StartsWith(fanOutDirectoryName, StringComparison.Ordinal) && IsFanOutDirectory(fanOutDirectoryName);

    private static bool IsLowerHex(char c) => c is >= '0' and <= '9' or >= 'a' and <= 'f';

    [GeneratedRegex(@"\A(?:storagesnapshot-tmp-[0-9a-f]{32}\.(?:chunk|manifest|[A-Za-z0-9_-]{1,128}\.chunklist)|[0-9a-f]{64}\.[0-9a-f]{32}\.tmp|[A-Za-z0-9_-]{1,128}\.[0-9a-f]{32}\.manifest\.tmp)\z", RegexOptions.CultureInvariant)]
    private static partial Regex TemporaryFile();
}
