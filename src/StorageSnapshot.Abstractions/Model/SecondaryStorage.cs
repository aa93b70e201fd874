namespace StorageSnapshot;

/// <summary>The kind of target a secondary storage is.</summary>
public enum SecondaryStorageKind
{
    /// <summary>A repository in a directory: a local disk or a mounted NFS/SMB share.</summary>
    FileSystem,

    /// <summary>A repository in an S3-compatible bucket (RADOS Gateway, MinIO, AWS S3), under a prefix.</summary>
    S3,
}

/// <summary>How chunks are encoded at rest. Chosen once per repository and recorded in its format file.</summary>
public enum ChunkCompression
{
    /// <summary>
    /// Chunks are stored as their raw bytes. The default: block images are mostly incompressible or zero (zero
    /// chunks are never stored), and even the fastest Deflate/Brotli levels run far below disk speed on such
    /// data (see the copy benchmark's compression table).
    /// </summary>
    None,

    /// <summary>Deflate at its fastest level; a chunk that does not shrink is stored raw.</summary>
    Deflate,

    /// <summary>Brotli at quality 1; a chunk that does not shrink is stored raw.</summary>
    Brotli,
}

/// <summary>A registered secondary storage: a copy repository in a directory (a local disk or a mounted NFS/SMB share) or in an S3 bucket.</summary>
public sealed record SecondaryStorage
{
    /// <summary>Name, unique (case-insensitive); what -Destination takes.</summary>
    public required string Name { get; init; }

    /// <summary>The kind of target: a directory or an S3 bucket.</summary>
    public SecondaryStorageKind Kind { get; init; } = SecondaryStorageKind.FileSystem;

    /// <summary>Where the repository is: the directory, or for S3 <c>http(s)://host[:port]/bucket[/prefix]</c>.</summary>
    public required string Path { get; init; }

    /// <summary>
    /// What else the kind needs to reach it (S3: Region, ForcePathStyle, AccessKeyId, SecretAccessKey). A secret
    /// property holds its protected text, never the secret. Empty for a directory.
    /// </summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The id recorded in the repository's format file when it was registered: one repository cannot be
    /// registered twice, and a directory that now holds another repository is refused. Null only for storages
    /// registered before repositories had ids.
    /// </summary>
    public string? RepositoryId { get; init; }

    /// <summary>Chunk size of the repository, in bytes.</summary>
    public int ChunkSizeBytes { get; init; }

    /// <summary>Chunk compression of the repository.</summary>
    public ChunkCompression Compression { get; init; } = ChunkCompression.None;

    /// <summary>When it was registered (UTC).</summary>
    public DateTime RegisteredUtc { get; init; }
}
