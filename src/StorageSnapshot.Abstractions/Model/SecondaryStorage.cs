namespace StorageSnapshot;

/// <summary>A registered secondary storage: a copy repository in a directory (a local disk or a mounted NFS/SMB share).</summary>
public sealed record SecondaryStorage
{
    /// <summary>Name, unique (case-insensitive); what -Destination takes.</summary>
    public required string Name { get; init; }

    /// <summary>The kind of target: "filesystem" (S3 later).</summary>
    public string Kind { get; init; } = "filesystem";

    /// <summary>The repository directory.</summary>
    public required string Path { get; init; }

    /// <summary>
    /// The id recorded in the repository's format file when it was registered: one repository cannot be
    /// registered twice, and a directory that now holds another repository is refused. Null only for storages
    /// registered before repositories had ids.
    /// </summary>
    public string? RepositoryId { get; init; }

    /// <summary>Chunk size of the repository, in bytes.</summary>
    public int ChunkSizeBytes { get; init; }

    /// <summary>Chunk compression of the repository ("none", "deflate", "brotli").</summary>
    public string Compression { get; init; } = "none";

    /// <summary>When it was registered (UTC).</summary>
    public DateTime RegisteredUtc { get; init; }
}
