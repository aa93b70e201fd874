namespace StorageSnapshot;

/// <summary>A volume (LUN, image, disk file) on a backend.</summary>
public sealed record Volume
{
    /// <summary>Inventory id (stable, sortable by creation time).</summary>
    public required string Id { get; init; }

    /// <summary>Name, unique per backend (case-insensitive).</summary>
    public required string Name { get; init; }

    /// <summary>Name of the backend it lives on.</summary>
    public required string Backend { get; init; }

    /// <summary>Provisioned size in bytes.</summary>
    public long SizeBytes { get; init; }

    /// <summary>Lifecycle state.</summary>
    public VolumeState State { get; init; }

    /// <summary>The driver's URI for the data: a file path for file-based drivers, rbd:pool/image for Ceph.</summary>
    public string? Location { get; init; }

    /// <summary>The driver's own handle for the volume (opaque to everything but the driver).</summary>
    public string? DriverReference { get; init; }

    /// <summary>When the volume was created or adopted (UTC).</summary>
    public DateTime CreatedUtc { get; init; }

    /// <summary>Id of the snapshot this volume was cloned from, if it is a clone.</summary>
    public string? CreatedFromSnapshotId { get; init; }

    /// <summary>
    /// Id of the snapshot the volume's current data descends from: the last snapshot taken of it, or the one
    /// it was last reverted to. The next snapshot's parent.
    /// </summary>
    public string? HeadSnapshotId { get; init; }

    /// <summary>Why the last operation failed, when <see cref="State"/> is Error.</summary>
    public string? ErrorMessage { get; init; }
}
