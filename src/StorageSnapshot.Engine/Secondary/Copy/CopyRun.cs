using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Secondary.Copy;

/// <summary>
/// The running figures of one copy, and the header it commits. Nothing here is per chunk: the chunk list itself
/// goes to a <see cref="StagedChunkList"/> as it is settled, and the bytes changed since the base copy are
/// counted by comparing each settled entry with the base's streamed list (<see cref="CountUnchangedAsync"/>).
/// Counters are updated from several consumer threads.
/// </summary>
internal sealed class CopyRun(CopyPlan plan)
{
    private long _bytesRead;
    private long _bytesWritten;
    private long _chunksNew;
    private long _chunksReused;
    private long _unchangedBytes;

    public CopyPlan Plan { get; } = plan;

    public void AddSampleRead(long bytes) => Interlocked.Add(ref _bytesRead, bytes);

    /// <summary>A chunk taken from the base without reading.</summary>
    public void AddKnown() => Interlocked.Increment(ref _chunksReused);

    /// <summary>Records a chunk that was read, hashed and (unless zero) put; <paramref name="storedBytes"/> is 0 when it was already there.</summary>
    public void Settle(HashedChunk chunk, long storedBytes)
    {
        Interlocked.Add(ref _bytesRead, chunk.Length);
        if (chunk.IsZero) return;
        if (storedBytes > 0)
        {
            Interlocked.Add(ref _bytesWritten, storedBytes);
            Interlocked.Increment(ref _chunksNew);
        }
        else
        {
            Interlocked.Increment(ref _chunksReused);
        }
    }

    /// <summary>
    /// Counts the bytes of <paramref name="entry"/> that are the same as in the base copy (same digest at the same
    /// index, with the same length). Entries must come in image order; <paramref name="baseList"/> is the base's list.
    /// </summary>
    public async ValueTask CountUnchangedAsync(ChunkRun entry, ChunkListCursor baseList)
    {
        var end = Math.Min(entry.EndIndex, Plan.MatchingChunks);
        for (var i = entry.FirstIndex; i < end;)
        {
            var baseRun = await baseList.AtAsync(i).ConfigureAwait(false);
            if (baseRun is null) return;
            var stop = Math.Min(baseRun.Value.EndIndex, end);
            if (baseRun.Value.Digest == entry.Digest) _unchangedBytes += Plan.BytesOf(i, stop);
            i = stop;
        }
    }

    /// <summary>
    /// The header of the finished copy, its figures included. The manifest's own bytes count as written, and
    /// they depend on the figures written in them: a few rounds settle it.
    /// </summary>
    public CopyManifest BuildManifest(string copyId, CopySource source, string? baseCopyId, DateTime startedUtc, StagedChunkList chunks)
    {
        chunks.Complete();
        var now = DateTime.UtcNow;
        var chunkBytesWritten = Interlocked.Read(ref _bytesWritten);
        var manifest = new CopyManifest
        {
            CopyId = copyId,
            Source = source,
            BaseCopyId = baseCopyId,
            ChunkSize = Plan.ChunkSize,
            TotalBytes = Plan.TotalBytes,
            ImageSha256 = chunks.ImageSha256,
            CreatedUtc = now,
            DataChunks = chunks.DataChunks,
            Statistics = new CopyStatistics
            {
                BytesRead = Interlocked.Read(ref _bytesRead),
                BytesWritten = chunkBytesWritten,
                BytesChanged = Plan.Base is null ? Plan.TotalBytes : Plan.TotalBytes - _unchangedBytes,
                ChunksNew = Interlocked.Read(ref _chunksNew),
                ChunksReused = Interlocked.Read(ref _chunksReused),
                ChunksZero = chunks.ZeroChunks,
                DurationSeconds = (now - startedUtc).TotalSeconds,
            },
        };
        for (var round = 0; round < 8; round++)
        {
            var written = chunkBytesWritten + ManifestCodec.EncodedLength(manifest, chunks.EntryBytes);
            if (written == manifest.Statistics!.BytesWritten) break;
            manifest = manifest with { Statistics = manifest.Statistics with { BytesWritten = written } };
        }
        return manifest;
    }
}
