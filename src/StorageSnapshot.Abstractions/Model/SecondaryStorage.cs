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

    /// <summary>Chunk size of the repository, in bytes.</summary>
    public int ChunkSizeBytes { get; init; }

    /// <summary>Chunk compression of the repository ("none", "deflate", "brotli").</summary>
    public string Compression { get; init; } = "none";

    /// <summary>When it was registered (UTC).</summary>
    public DateTime RegisteredUtc { get; init; }
}
