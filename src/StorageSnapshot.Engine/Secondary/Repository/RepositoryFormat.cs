using Newtonsoft.Json;
using Newtonsoft.Json.Converters;

namespace StorageSnapshot.Engine.Secondary.Repository;

/// <summary>
/// The repository's format file (<c>repository.json</c> at its root), written once when the repository is
/// created. It fixes everything a reader must know before it can read a chunk: the format version, the chunk
/// size and the chunk encoding.
/// </summary>
public sealed record RepositoryFormat
{
    /// <summary>The value of <see cref="Kind"/>, so a stray JSON file is not mistaken for a repository.</summary>
    public const string RepositoryKind = "storagesnapshot-repository";

    /// <summary>The newest format this code reads and the one it writes.</summary>
    public const int CurrentVersion = 1;

    /// <summary>The default chunk size: 4 MiB (block images do not shift, so fixed chunks dedupe as well as any).</summary>
    public const int DefaultChunkSize = 4 * 1024 * 1024;

    /// <summary>Smallest chunk size accepted (64 KiB).</summary>
    public const int MinimumChunkSize = 64 * 1024;

    /// <summary>Largest chunk size accepted (64 MiB): chunks are held whole in memory.</summary>
    public const int MaximumChunkSize = 64 * 1024 * 1024;

    /// <summary>Always <see cref="RepositoryKind"/>.</summary>
    [JsonProperty("format")]
    public string Kind { get; init; } = RepositoryKind;

    /// <summary>Format version.</summary>
    [JsonProperty("version")]
    public int Version { get; init; } = CurrentVersion;

    /// <summary>Size of every chunk but an image's last, in bytes (a power of two).</summary>
    [JsonProperty("chunkSize")]
    public int ChunkSize { get; init; } = DefaultChunkSize;

    /// <summary>Hash naming chunks; always sha256 in version 1.</summary>
    [JsonProperty("hash")]
    public string Hash { get; init; } = "sha256";

    /// <summary>Chunk encoding.</summary>
    [JsonProperty("compression")]
    [JsonConverter(typeof(StringEnumConverter), typeof(Newtonsoft.Json.Serialization.CamelCaseNamingStrategy))] // "none", "deflate", "brotli" in the file
    public ChunkCompression Compression { get; init; } = ChunkCompression.None;

    /// <summary>
    /// The repository's identity, written when it is created (a 32-digit hex GUID). The inventory records it so
    /// that one repository cannot be registered twice under two names, and so that a directory that now holds
    /// another repository (a remounted share) is noticed. Repositories made before it existed get one the next
    /// time they are registered.
    /// </summary>
    [JsonProperty("id", NullValueHandling = NullValueHandling.Ignore)]
    public string? Id { get; init; }

    /// <summary>When the repository was created (UTC).</summary>
    [JsonProperty("createdUtc")]
    public DateTime CreatedUtc { get; init; }

    /// <summary>One sentence per problem with the settings; empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (ChunkSize < MinimumChunkSize || ChunkSize > MaximumChunkSize || (ChunkSize & (ChunkSize - 1)) != 0)
        {
            problems.Add($"Chunk size {ChunkSize} is not a power of two between {MinimumChunkSize} and {MaximumChunkSize} bytes.");
        }
        if (!Enum.IsDefined(Compression)) problems.Add($"Compression '{Compression}' is not known.");
        if (Id is not null && !IsValidId(Id)) problems.Add($"Repository id '{Id}' is not 32 hexadecimal digits.");
        return problems;
    }

    /// <summary>A new repository id.</summary>
    public static string NewId() => Guid.NewGuid().ToString("N");

    private static bool IsValidId(string id) => id.Length == 32 && id.All(char.IsAsciiHexDigit);
}
