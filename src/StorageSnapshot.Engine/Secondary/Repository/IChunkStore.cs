namespace StorageSnapshot.Engine.Secondary.Repository;

/// <summary>
/// Where a repository keeps its chunks and manifests: a filesystem directory today
/// (<see cref="FileSystemChunkStore"/>), an S3 bucket later — each kind opened through its
/// <see cref="IChunkStoreKind"/> in <see cref="ChunkStoreRegistry"/>, never by name. Chunks are content-addressed by the lowercase hex
/// SHA-256 of their (uncompressed) bytes and immutable; a manifest is one copy's complete description and is
/// the only thing that makes a copy visible.
///
/// Implementations own their error reporting: storage failures surface as <see cref="StorageSnapshotException"/>
/// with <see cref="ErrorIds.SecondaryStorageFailed"/> naming the cause (full, permission denied, gone).
/// All members are thread-safe.
/// </summary>
internal interface IChunkStore : IAsyncDisposable
{
    /// <summary>The repository's format (chunk size, encoding).</summary>
    RepositoryFormat Format { get; }

    /// <summary>Where it is, for messages.</summary>
    string Description { get; }

    /// <summary>
    /// Stores a chunk unless one with that digest exists. It is durable and visible when this returns, or at the
    /// latest when <see cref="CommitManifestAsync"/> or <see cref="IAsyncDisposable.DisposeAsync"/> returns (a
    /// store may make chunks durable behind the copy: <see cref="ChunkWriteBehind"/>). Returns the bytes written
    /// (after encoding), or 0 when the chunk was already there — in which case it is marked as recently used
    /// so that collection's grace period protects it for the copy that is about to reference it.
    /// </summary>
    Task<long> PutChunkIfAbsentAsync(string digest, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>True when the chunk is stored.</summary>
    Task<bool> ChunkExistsAsync(string digest, CancellationToken cancellationToken);

    /// <summary>
    /// Reads and decodes a chunk into <paramref name="destination"/> (at least the repository's chunk size) and
    /// returns its length. Does not check the digest: callers hash what they read.
    /// Throws <see cref="ChunkUnreadableException"/> when the chunk is missing or cannot be decoded.
    /// </summary>
    Task<int> ReadChunkAsync(string digest, Memory<byte> destination, CancellationToken cancellationToken);

    /// <summary>Every stored chunk, in no particular order.</summary>
    IAsyncEnumerable<StoredChunk> ListChunksAsync(CancellationToken cancellationToken);

    /// <summary>Deletes a chunk; succeeds if it is already gone.</summary>
    Task DeleteChunkAsync(string digest, CancellationToken cancellationToken);

    /// <summary>
    /// Starts the chunk list of copy <paramref name="copyId"/> (an image of <paramref name="totalBytes"/>): a
    /// temporary file the copy appends its chunks to in image order, so that no copy holds its chunk list in
    /// memory. Disposing it deletes it; <see cref="CommitManifestAsync"/> turns it into the manifest.
    /// </summary>
    Task<StagedChunkList> StageChunkListAsync(string copyId, long totalBytes, CancellationToken cancellationToken);

    /// <summary>
    /// Makes the copy visible, atomically and durably: first every chunk the list references is checked present
    /// and made durable, then the manifest (<paramref name="manifest"/> as its header, <paramref name="chunks"/>,
    /// complete, as its chunk list) is written under a temporary name, flushed and renamed into place. A crash at
    /// any moment leaves either no manifest or the whole one. Refuses when a manifest of that copy id exists.
    /// </summary>
    Task CommitManifestAsync(CopyManifest manifest, StagedChunkList chunks, CancellationToken cancellationToken);

    /// <summary>
    /// Reads a manifest's header, having read the whole file and checked its checksum and structure (in
    /// constant memory). Throws <see cref="ObjectNotFoundException"/> (CopyNotFound) when there is none and
    /// <see cref="CopyCorruptException"/> when it fails its checksum or cannot be parsed. Reads every format
    /// version up to <see cref="CopyManifest.CurrentVersion"/>.
    /// </summary>
    Task<CopyManifest> ReadManifestAsync(string copyId, CancellationToken cancellationToken);

    /// <summary>
    /// Streams a manifest's chunk list in image order (runs of zero chunks as one entry). The checksum is proved
    /// when the enumeration ends (<see cref="CopyCorruptException"/> there if it does not match), so callers that
    /// act on the entries read the manifest with <see cref="ReadManifestAsync"/> first. Same errors as it.
    /// </summary>
    IAsyncEnumerable<ChunkRun> ReadChunkListAsync(string copyId, CancellationToken cancellationToken);

    /// <summary>
    /// True when a manifest of <paramref name="copyId"/> is committed (its contents are not read); false only when
    /// the repository answers that there is none — a repository that cannot be reached throws its storage error.
    /// </summary>
    Task<bool> ManifestExistsAsync(string copyId, CancellationToken cancellationToken);

    /// <summary>Ids of every committed copy.</summary>
    Task<IReadOnlyList<string>> ListManifestsAsync(CancellationToken cancellationToken);

    /// <summary>Deletes a manifest (the copy disappears; its chunks stay until collected). Succeeds if already gone.</summary>
    Task DeleteManifestAsync(string copyId, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the repository-wide lock: shared by every copy for its whole run, exclusive for chunk collection,
    /// so that collection never runs while a copy may be about to reference an unreferenced chunk. Waits until
    /// it is free or <paramref name="timeout"/> passes (then <see cref="TimeoutException"/>).
    /// </summary>
    Task<IAsyncDisposable> LockRepositoryAsync(bool exclusive, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the exclusive lock of one copy key (the source snapshot), held across processes and hosts that
    /// share the storage, released when disposed or when the process dies. Waits until it is free or
    /// <paramref name="timeout"/> passes (then <see cref="TimeoutException"/>).
    /// </summary>
    Task<IAsyncDisposable> LockCopyKeyAsync(string copyKey, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes what writers that crashed left behind and last touched before <paramref name="olderThanUtc"/> —
    /// the store's own temporary files in a directory, incomplete uploads in an object store — never anything
    /// the store did not write; returns how many. Chunk collection calls it, under the exclusive repository lock.
    /// </summary>
    Task<int> DeleteAbandonedWritesAsync(DateTime olderThanUtc, CancellationToken cancellationToken);
}

/// <summary>A chunk as stored: its digest, the bytes it takes, and when it was last written or reused.</summary>
internal sealed record StoredChunk(string Digest, long StoredBytes, DateTime LastUsedUtc);

/// <summary>A chunk is missing or cannot be decoded.</summary>
internal sealed class ChunkUnreadableException : IOException
{
    /// <summary>Creates the error.</summary>
    public ChunkUnreadableException(string digest, string message, Exception? inner = null) : base(message, inner)
    {
        Digest = digest;
    }

    /// <summary>The chunk's digest.</summary>
    public string Digest { get; }
}
