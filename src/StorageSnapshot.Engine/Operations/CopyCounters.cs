using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// What a copy really moved so far — bytes read from the snapshot, bytes stored in the repository, chunks stored —
/// counted around the reader and the chunk store the copier is given, so that a copy that fails or is stopped
/// (Ctrl+C) can record and report what it kept, which a rerun reuses.
/// </summary>
internal sealed class CopyCounters
{
    private long bytesRead;
    private long bytesStored;
    private long chunksStored;

    public long BytesRead => Interlocked.Read(ref bytesRead);
    public long BytesStored => Interlocked.Read(ref bytesStored);
    public long ChunksStored => Interlocked.Read(ref chunksStored);

    public IBlockReader Count(IBlockReader reader) => new CountingReader(reader, this);

    public IChunkStore Count(IChunkStore store) => new CountingStore(store, this);

    private sealed class CountingReader(IBlockReader inner, CopyCounters counters) : IBlockReader
    {
        public long Length => inner.Length;

        public async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
        {
            var read = await inner.ReadAsync(offset, buffer, cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref counters.bytesRead, read);
            return read;
        }

        public Task<IReadOnlyList<ByteRange>?> GetAllocatedRangesAsync(CancellationToken cancellationToken) => inner.GetAllocatedRangesAsync(cancellationToken);

        public void Dispose() => inner.Dispose();
    }

    // Forwards everything; counts what PutChunkIfAbsentAsync stored. Not disposed by the copier's caller: the
    // store it wraps is disposed by its owner.
    private sealed class CountingStore(IChunkStore inner, CopyCounters counters) : IChunkStore
    {
        public RepositoryFormat Format => inner.Format;
        public string Description => inner.Description;

        public async Task<long> PutChunkIfAbsentAsync(string digest, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            var stored = await inner.PutChunkIfAbsentAsync(digest, data, cancellationToken).ConfigureAwait(false);
            if (stored > 0)
            {
                Interlocked.Add(ref counters.bytesStored, stored);
                Interlocked.Increment(ref counters.chunksStored);
            }
            return stored;
        }

        public Task<bool> ChunkExistsAsync(string digest, CancellationToken cancellationToken) => inner.ChunkExistsAsync(digest, cancellationToken);
        public Task<int> ReadChunkAsync(string digest, Memory<byte> destination, CancellationToken cancellationToken) => inner.ReadChunkAsync(digest, destination, cancellationToken);
        public IAsyncEnumerable<StoredChunk> ListChunksAsync(CancellationToken cancellationToken) => inner.ListChunksAsync(cancellationToken);
        public Task DeleteChunkAsync(string digest, CancellationToken cancellationToken) => inner.DeleteChunkAsync(digest, cancellationToken);
        public Task<StagedChunkList> StageChunkListAsync(string copyId, long totalBytes, CancellationToken cancellationToken) => inner.StageChunkListAsync(copyId, totalBytes, cancellationToken);
        public Task CommitManifestAsync(CopyManifest manifest, StagedChunkList chunks, CancellationToken cancellationToken) => inner.CommitManifestAsync(manifest, chunks, cancellationToken);
        public IAsyncEnumerable<ChunkRun> ReadChunkListAsync(string copyId, CancellationToken cancellationToken) => inner.ReadChunkListAsync(copyId, cancellationToken);
        public Task<CopyManifest> ReadManifestAsync(string copyId, CancellationToken cancellationToken) => inner.ReadManifestAsync(copyId, cancellationToken);
        public Task<bool> ManifestExistsAsync(string copyId, CancellationToken cancellationToken) => inner.ManifestExistsAsync(copyId, cancellationToken);
        public Task<IReadOnlyList<string>> ListManifestsAsync(CancellationToken cancellationToken) => inner.ListManifestsAsync(cancellationToken);
        public Task DeleteManifestAsync(string copyId, CancellationToken cancellationToken) => inner.DeleteManifestAsync(copyId, cancellationToken);
        public Task<IAsyncDisposable> LockRepositoryAsync(bool exclusive, TimeSpan timeout, CancellationToken cancellationToken) => inner.LockRepositoryAsync(exclusive, timeout, cancellationToken);
        public Task<IAsyncDisposable> LockCopyKeyAsync(string copyKey, TimeSpan timeout, CancellationToken cancellationToken) => inner.LockCopyKeyAsync(copyKey, timeout, cancellationToken);
        public Task<int> DeleteAbandonedWritesAsync(DateTime olderThanUtc, CancellationToken cancellationToken) => inner.DeleteAbandonedWritesAsync(olderThanUtc, cancellationToken);
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
