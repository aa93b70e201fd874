namespace StorageSnapshot;

/// <summary>A point-in-time snapshot of one volume, kept on the same primary storage.</summary>
public sealed record Snapshot
{
    /// <summary>Inventory id (stable, sortable by creation time).</summary>
    public required string Id { get; init; }

    /// <summary>Name, unique per volume (case-insensitive).</summary>
    public required string Name { get; init; }

    /// <summary>Inventory id of the volume.</summary>
    public required string VolumeId { get; init; }

    /// <summary>Name of the volume.</summary>
    public required string Volume { get; init; }

    /// <summary>Name of the backend.</summary>
    public required string Backend { get; init; }

    /// <summary>When the snapshot was taken (UTC).</summary>
    public DateTime CreatedUtc { get; init; }

    /// <summary>Size of the volume when the snapshot was taken, in bytes.</summary>
    public long SizeBytes { get; init; }

    /// <summary>Lifecycle state.</summary>
    public SnapshotState State { get; init; }

    /// <summary>Free text.</summary>
    public string? Description { get; init; }

    /// <summary>User tags (keys case-insensitive).</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = EmptyDictionary;

    /// <summary>When retention may delete it (UTC), if set.</summary>
    public DateTime? ExpiresUtc { get; init; }

    /// <summary>The caller's idempotency token: a repeated create with the same token returns this snapshot.</summary>
    public string? ClientToken { get; init; }

    /// <summary>Id of the snapshot this one's data descends from (see <see cref="StorageSnapshot.Volume.HeadSnapshotId"/>).</summary>
    public string? ParentId { get; init; }

    /// <summary>The driver's own handle for the snapshot.</summary>
    public string? DriverReference { get; init; }

    /// <summary>The driver's URI for the snapshot's data (file path, rbd:pool/image@snap).</summary>
    public string? Location { get; init; }

    /// <summary>Driver facts about how it was made (for example copyMethod=reflink).</summary>
    public IReadOnlyDictionary<string, string> Details { get; init; } = EmptyDictionary;

    /// <summary>Why the last operation failed, when <see cref="State"/> is Error.</summary>
    public string? ErrorMessage { get; init; }

    private static readonly IReadOnlyDictionary<string, string> EmptyDictionary =
        new System.Collections.ObjectModel.ReadOnlyDictionary<string, string>(new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase));
}
