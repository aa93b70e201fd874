namespace StorageSnapshot;

/// <summary>Where a copy on secondary storage stands.</summary>
public enum CopyState
{
    /// <summary>Being copied (or its process died while copying: run the copy again to finish it).</summary>
    Copying,
    /// <summary>Committed on the secondary storage: restorable.</summary>
    Copied,
    /// <summary>The copy failed; nothing was committed. Run it again.</summary>
    Failed,
    /// <summary>Being removed.</summary>
    Removing,
}

/// <summary>
/// A copy of a snapshot on secondary storage. Carries Backend, Volume and SnapshotId (and its own Id) so that it
/// binds by property name to the next cmdlet in a pipeline.
/// </summary>
public sealed record SnapshotCopy
{
    /// <summary>Copy id (also the name of its manifest in the repository).</summary>
    public required string Id { get; init; }

    /// <summary>Name of the secondary storage holding it.</summary>
    public required string Destination { get; init; }

    /// <summary>Backend of the snapshot's volume.</summary>
    public required string Backend { get; init; }

    /// <summary>Name of the snapshot's volume.</summary>
    public required string Volume { get; init; }

    /// <summary>Inventory id of the volume.</summary>
    public string? VolumeId { get; init; }

    /// <summary>Inventory id of the snapshot copied.</summary>
    public required string SnapshotId { get; init; }

    /// <summary>Name of the snapshot copied.</summary>
    public string? Snapshot { get; init; }

    /// <summary>Where it stands.</summary>
    public CopyState State { get; init; }

    /// <summary>The copy the unchanged chunks were taken from, when the copy was incremental.</summary>
    public string? BaseCopyId { get; init; }

    /// <summary>Image size in bytes.</summary>
    public long SizeBytes { get; init; }

    /// <summary>Bytes read from the snapshot.</summary>
    public long BytesRead { get; init; }

    /// <summary>Bytes written to the secondary storage.</summary>
    public long BytesWritten { get; init; }

    /// <summary>Bytes that differ from the base copy (all, without one).</summary>
    public long BytesChanged { get; init; }

    /// <summary>How long the copy took.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Bytes read per second.</summary>
    public double BytesPerSecond { get; init; }

    /// <summary>SHA-256 image digest (over the chunk digests), once Copied.</summary>
    public string? ImageSha256 { get; init; }

    /// <summary>When the copy started (UTC).</summary>
    public DateTime CreatedUtc { get; init; }

    /// <summary>When it was committed (UTC).</summary>
    public DateTime? CompletedUtc { get; init; }

    /// <summary>Why it failed, when <see cref="State"/> is Failed.</summary>
    public string? ErrorMessage { get; init; }
}
