namespace StorageSnapshot;

/// <summary>What Test-SnapshotCopy found: whether the copy restores, and every problem when it does not.</summary>
public sealed record SnapshotCopyTest
{
    /// <summary>The copy tested.</summary>
    public required string CopyId { get; init; }

    /// <summary>Name of the secondary storage holding it.</summary>
    public required string Destination { get; init; }

    /// <summary>Name of the snapshot it is a copy of.</summary>
    public string? Snapshot { get; init; }

    /// <summary>Name of that snapshot's volume.</summary>
    public string? Volume { get; init; }

    /// <summary>Inventory id of the snapshot copied (so a result pipes on to Get-StorageSnapshot).</summary>
    public string? SnapshotId { get; init; }

    /// <summary>Inventory id of the snapshot's volume (so a result pipes on to Get-StorageVolume).</summary>
    public string? VolumeId { get; init; }

    /// <summary>Backend of the snapshot's volume.</summary>
    public string? Backend { get; init; }

    /// <summary>True when the manifest and every chunk (and, with -Source, the primary snapshot) matched.</summary>
    public bool Valid { get; init; }

    /// <summary>True when the copy was also compared with the primary snapshot.</summary>
    public bool ComparedWithSource { get; init; }

    /// <summary>Chunks examined.</summary>
    public long ChunksChecked { get; init; }

    /// <summary>Stored bytes re-read and re-hashed.</summary>
    public long BytesChecked { get; init; }

    /// <summary>How long the test took.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Every problem found, one sentence each; empty when valid.</summary>
    public IReadOnlyList<string> Mismatches { get; init; } = Array.Empty<string>();
}
