using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Secondary.Copy;

/// <summary>What to copy, and what is already known about it.</summary>
internal sealed record CopyRequest
{
    /// <summary>The snapshot's bytes.</summary>
    public required IBlockReader Source { get; init; }

    /// <summary>Which snapshot it is (its SnapshotId is the copy key: one copy per snapshot per repository).</summary>
    public required CopySource Identity { get; init; }

    /// <summary>
    /// The copy's id (the inventory record's): the name of its manifest. When a manifest of that id is already
    /// committed the copy returns it instead of copying again.
    /// </summary>
    public required string CopyId { get; init; }

    /// <summary>
    /// A committed copy in the same repository, of an older snapshot of the same volume. It is used to count
    /// changed bytes, and — with <see cref="ChangedRanges"/> — to take every unchanged chunk from.
    /// </summary>
    public string? BaseCopyId { get; init; }

    /// <summary>
    /// The ranges that may differ between the base copy's snapshot and this one (from the driver). When given
    /// with <see cref="BaseCopyId"/> the copy is incremental: only chunks touching them are read. Null: read all.
    /// </summary>
    public IReadOnlyList<ByteRange>? ChangedRanges { get; init; }
}

/// <summary>What a copy did.</summary>
internal sealed record CopyResult
{
    /// <summary>The committed copy.</summary>
    public required CopyManifest Manifest { get; init; }

    /// <summary>True when the copy (its id) was already committed in the repository, and is returned unchanged.</summary>
    public bool AlreadyCopied { get; init; }

    /// <summary>True when only changed chunks were read.</summary>
    public bool Incremental { get; init; }

    /// <summary>True when the change source failed its sample check and the copy read everything instead.</summary>
    public bool FellBackToFullRead { get; init; }

    /// <summary>The figures (also recorded in the manifest).</summary>
    public required CopyStatistics Statistics { get; init; }

    /// <summary>Wall-clock duration.</summary>
    public TimeSpan Duration => TimeSpan.FromSeconds(Statistics.DurationSeconds);

    /// <summary>Bytes read from the snapshot per second.</summary>
    public double BytesPerSecond => Statistics.DurationSeconds > 0 ? Statistics.BytesRead / Statistics.DurationSeconds : 0;
}
