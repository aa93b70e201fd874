using Newtonsoft.Json;

namespace StorageSnapshot.Engine.Secondary.Repository;

/// <summary>
/// One copy's description: which snapshot it is of, its size, chunk size, image digest and figures — everything
/// but the chunk list itself, which can be millions of entries and is therefore only ever streamed
/// (<see cref="IChunkStore.ReadChunkListAsync"/>, <see cref="StagedChunkList"/>). The manifest file holds both
/// (<see cref="ManifestCodec"/>). Manifests do not refer to each other for data (an incremental copy lists every
/// chunk, reused or new), so any copy can be removed without touching another, and the repository alone is enough
/// to rebuild the inventory's copy records.
/// </summary>
internal sealed record CopyManifest
{
    /// <summary>The manifest format version this code writes (2: a header line and a streamed chunk list).</summary>
    public const int CurrentVersion = 2;

    /// <summary>Manifest format version of the file this was read from (1: one JSON line with every chunk).</summary>
    [JsonIgnore]
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

    /// <summary>How many chunks of the chunk list are stored (not zero).</summary>
    [JsonProperty("dataChunks")]
    public long DataChunks { get; init; }

    /// <summary>What the copy cost (for the inventory record).</summary>
    [JsonProperty("statistics")]
    public CopyStatistics? Statistics { get; init; }

    /// <summary>How many chunks the image has: chunk i starts at i × ChunkSize.</summary>
    [JsonIgnore]
    public long ChunkCount => ChunkSize > 0 ? (TotalBytes + ChunkSize - 1) / ChunkSize : 0;

    /// <summary>The length of chunk <paramref name="index"/> (the last one may be shorter).</summary>
    public int LengthOf(long index) => (int)Math.Min(ChunkSize, TotalBytes - index * ChunkSize);

    /// <summary>The bytes of the image that <paramref name="run"/> covers.</summary>
    public long BytesOf(ChunkRun run) => Math.Min(run.EndIndex * ChunkSize, TotalBytes) - run.FirstIndex * ChunkSize;
}

/// <summary>The identity of the snapshot a copy was made from.</summary>
internal sealed record CopySource
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
internal sealed record CopyStatistics
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
    public long ChunksNew { get; init; }

    /// <summary>Non-zero chunks that were already in the repository.</summary>
    [JsonProperty("chunksReused")]
    public long ChunksReused { get; init; }

    /// <summary>All-zero chunks (stored as nothing).</summary>
    [JsonProperty("chunksZero")]
    public long ChunksZero { get; init; }

    /// <summary>Wall-clock duration in seconds.</summary>
    [JsonProperty("durationSeconds")]
    public double DurationSeconds { get; init; }
}
