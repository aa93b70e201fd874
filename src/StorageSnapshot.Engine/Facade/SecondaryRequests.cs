using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Facade;

/// <summary>
/// Register-SecondaryStorage -Path (a directory) or -S3 (<see cref="Endpoint"/>, <see cref="Bucket"/>,
/// <see cref="Prefix"/>; then <paramref name="Path"/> is not used). An empty directory or prefix gets a repository with
/// the given settings (default 4 MiB chunks, no compression); an existing repository keeps its own; anything else is
/// refused.
/// </summary>
public sealed record RegisterSecondaryStorageRequest(string Name, string Path)
{
    /// <summary>The chunk size of a new repository when none is given (4 MiB).</summary>
    public const int DefaultChunkSizeBytes = Secondary.Repository.RepositoryFormat.DefaultChunkSize;

    /// <summary>
    /// The kind of secondary storage, one of <see cref="EngineOptions.ChunkStores"/>: FileSystem, where
    /// <see cref="Path"/> is a directory, or S3.
    /// </summary>
    public SecondaryStorageKind Kind { get; init; } = SecondaryStorageKind.FileSystem;

    /// <summary>S3: the server's URL (http(s)://host[:port], no path).</summary>
    public string? Endpoint { get; init; }

    /// <summary>S3: the bucket (it must exist).</summary>
    public string? Bucket { get; init; }

    /// <summary>S3: the folder in the bucket that holds the repository (empty: the bucket's root).</summary>
    public string? Prefix { get; init; }

    /// <summary>
    /// The kind's properties, clear (S3: Region, ForcePathStyle, AccessKeyId, SecretAccessKey; none: the SDK's
    /// default credentials). Secret ones are stored protected and never appear in a message, event or result.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Properties { get; init; }

    /// <summary>The names of the S3 kind's <see cref="Properties"/> (the store's own, so callers never spell them).</summary>
    public static class S3PropertyNames
    {
        /// <summary>The bucket's region (the SDK's default when absent).</summary>
        public const string Region = Secondary.S3.S3Place.RegionProperty;

        /// <summary>"true": path-style addressing (host/bucket/key), as RADOS Gateway and most local servers want.</summary>
        public const string ForcePathStyle = Secondary.S3.S3Place.ForcePathStyleProperty;

        /// <summary>The access key id (with <see cref="SecretAccessKey"/>; both absent: the SDK's default credentials).</summary>
        public const string AccessKeyId = Secondary.S3.S3Place.AccessKeyIdProperty;

        /// <summary>The secret access key: stored protected, never shown.</summary>
        public const string SecretAccessKey = Secondary.S3.S3Place.SecretAccessKeyProperty;
    }

    /// <summary>Create the directory when it does not exist (without it, a missing directory is an error).</summary>
    public bool CreateDirectory { get; init; }

    /// <summary>Chunk size of a new repository (a power of two, 64 KiB – 64 MiB).</summary>
    public int? ChunkSizeBytes { get; init; }

    /// <summary>Chunk compression of a new repository.</summary>
    public ChunkCompression? Compression { get; init; }
}

/// <summary>
/// Copy-SnapshotToSecondary. Without <see cref="Full"/> the copy is incremental when the destination holds a
/// copy of an older snapshot of the volume and the driver reports changed ranges; with it, everything is read
/// (only chunks the repository lacks are written either way).
/// </summary>
public sealed record CopySnapshotRequest(SnapshotSelector Snapshot, string Destination, bool Full = false);

/// <summary>Get-SnapshotCopy: null members do not filter.</summary>
public sealed record CopyFilter
{
    /// <summary>Copy ids.</summary>
    public IReadOnlyList<string>? Ids { get; init; }

    /// <summary>Snapshot name patterns (wildcards).</summary>
    public IReadOnlyList<string>? SnapshotNames { get; init; }

    /// <summary>Copies of these snapshot ids.</summary>
    public IReadOnlyList<string>? SnapshotIds { get; init; }

    /// <summary>Secondary storage name patterns.</summary>
    public IReadOnlyList<string>? Destinations { get; init; }

    /// <summary>Copies of snapshots of volumes with these name patterns.</summary>
    public IReadOnlyList<string>? Volumes { get; init; }

    /// <summary>Copies of snapshots of these volume ids (volume objects given to -Volume).</summary>
    public IReadOnlyList<string>? VolumeIds { get; init; }

    /// <summary>Copies of snapshots on backends with these name patterns.</summary>
    public IReadOnlyList<string>? Backends { get; init; }

    /// <summary>Only copies in these states.</summary>
    public IReadOnlyList<CopyState>? States { get; init; }
}

/// <summary>New-StorageVolume -FromCopy: a new volume named <paramref name="Name"/> on <paramref name="Backend"/> (default: the copy's backend).</summary>
public sealed record NewVolumeFromCopyRequest(string Name, string CopyId, string? Backend = null);
