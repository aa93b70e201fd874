using Newtonsoft.Json;

namespace StorageSnapshot.Engine.Secondary.Repository;

/// <summary>
/// One copy, completely: which snapshot it is of, every chunk in image order and the image digest. Manifests do
/// not refer to each other for data (an incremental copy lists every chunk, reused or new), so any copy can be
/// removed without touching another, and the repository alone is enough to rebuild the inventory's copy records.
/// Stored by <see cref="ManifestCodec"/>.
/// </summary>
public sealed record CopyManifest
{
    /// <summary>The manifest format version this code writes.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Manifest format version.</summary>
    [JsonProperty("formatVersion")]
    public int FormatVersion { get; init; } = CurrentVersion;

    /// <summary>The copy's id (also the inventory's copy id).</summary>
    [JsonProperty("copyId")]
    public required string CopyId { get; init; }

    /// <summary>The snapshot the copy is of.</summary>
    [JsonProperty("source")]
    public required CopySource Source { get; init; }

    /// <summary>The copy whose manifest supplied the unchanged chunks, when the copy was incremental.</summary>
    [JsonProperty("baseCopyId")]
    public string? BaseCopyId { get; init; }

    /// <summary>Chunk size of the repository when the copy was made; chunk i starts at i × ChunkSize.</summary>
    [JsonProperty("chunkSize")]
    public required int ChunkSize { get; init; }

    /// <summary>Image size in bytes.</summary>
    [JsonProperty("totalBytes")]
    public required long TotalBytes { get; init; }

    /// <summary>
    /// The image digest: SHA-256 over the concatenated 32-byte SHA-256 digests of the chunks in order (a hash
    /// list). It identifies the whole image byte for byte as surely as a SHA-256 of the image, and unlike one it
    /// can be computed by an incremental copy that reads only the changed chunks.
    /// </summary>
    [JsonProperty("imageSha256")]
    public required string ImageSha256 { get; init; }

    /// <summary>When the copy was committed (UTC).</summary>
    [JsonProperty("createdUtc")]
    public required DateTime CreatedUtc { get; init; }

    /// <summary>Every chunk of the image, in order.</summary>
    [JsonProperty("chunks")]
    public required IReadOnlyList<ManifestChunk> Chunks { get; init; }

    /// <summary>What the copy cost (for the inventory record).</summary>
    [JsonProperty("statistics")]
    public CopyStatistics? Statistics { get; init; }
}

/// <summary>One chunk of an image: its SHA-256 (lowercase hex), its length, and whether it is all zeros (then it is not stored).</summary>
public sealed record ManifestChunk(
    [property: JsonProperty("sha256")] string Sha256,
    [property: JsonProperty("length")] int Length,
    [property: JsonProperty("zero")] bool Zero);

/// <summary>The identity of the snapshot a copy was made from.</summary>
public sealed record CopySource
{
    /// <summary>Backend name.</summary>
    [JsonProperty("backend")]
    public required string Backend { get; init; }

    /// <summary>Volume name.</summary>
    [JsonProperty("volume")]
    public required string Volume { get; init; }

    /// <summary>Volume inventory id.</summary>
    [JsonProperty("volumeId")]
    public string? VolumeId { get; init; }

    /// <summary>Snapshot inventory id: the copy key (one copy per snapshot per repository).</summary>
    [JsonProperty("snapshotId")]
    public required string SnapshotId { get; init; }

    /// <summary>Snapshot name.</summary>
    [JsonProperty("snapshotName")]
    public string? SnapshotName { get; init; }

    /// <summary>When the snapshot was taken (UTC).</summary>
    [JsonProperty("snapshotCreatedUtc")]
    public DateTime? SnapshotCreatedUtc { get; init; }

    /// <summary>Makes the identity of an inventory snapshot.</summary>
    public static CopySource Of(Snapshot snapshot) => new()
    {
        Backend = snapshot.Backend,
        Volume = snapshot.Volume,
        VolumeId = snapshot.VolumeId,
        SnapshotId = snapshot.Id,
        SnapshotName = snapshot.Name,
        SnapshotCreatedUtc = snapshot.CreatedUtc,
    };
}

/// <summary>The figures of one copy run.</summary>
public sealed record CopyStatistics
{
    /// <summary>Bytes read from the snapshot.</summary>
    [JsonProperty("bytesRead")]
    public long BytesRead { get; init; }

    /// <summary>Bytes written to the repository (encoded chunks and the manifest).</summary>
    [JsonProperty("bytesWritten")]
    public long BytesWritten { get; init; }

    /// <summary>Bytes of the chunks that differ from the base copy (all bytes when there is none).</summary>
    [JsonProperty("bytesChanged")]
    public long BytesChanged { get; init; }

    /// <summary>Chunks stored by this copy.</summary>
    [JsonProperty("chunksNew")]
    public int ChunksNew { get; init; }

    /// <summary>Non-zero chunks that were already in the repository.</summary>
    [JsonProperty("chunksReused")]
    public int ChunksReused { get; init; }

    /// <summary>All-zero chunks (stored as nothing).</summary>
    [JsonProperty("chunksZero")]
    public int ChunksZero { get; init; }

    /// <summary>Wall-clock duration in seconds.</summary>
    [JsonProperty("durationSeconds")]
    public double DurationSeconds { get; init; }
}
