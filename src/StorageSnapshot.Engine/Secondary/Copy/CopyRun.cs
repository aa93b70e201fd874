using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Secondary.Copy;

/// <summary>
/// The state of one copy: per chunk, its digest once known and where it came from, plus the running figures.
/// Chunks settle from three places: the reader (hashed data), the base manifest (unchanged, incremental) or
/// nowhere (holes, which are zeros). Settle is called from several consumer threads.
/// </summary>
internal sealed class CopyRun
{
    private readonly string?[] _digests;
    private readonly bool[] _zero;
    private readonly bool[] _changed;
    private long _bytesRead;
    private long _bytesWritten;
    private int _chunksNew;
    private int _chunksReused;

    public CopyRun(int chunkSize, long totalBytes, CopyManifest? baseManifest)
    {
        ChunkSize = chunkSize;
        TotalBytes = totalBytes;
        Base = baseManifest;
        var count = checked((int)((totalBytes + chunkSize - 1) / chunkSize));
        _digests = new string?[count];
        _zero = new bool[count];
        _changed = new bool[count];
    }

    public int ChunkSize { get; }
    public long TotalBytes { get; }
    public CopyManifest? Base { get; }
    public int Count => _digests.Length;

    /// <summary>Bytes settled without reading (holes, unchanged chunks) by <see cref="PlanReads"/>.</summary>
    public long SettledBytes { get; private set; }

    public int LengthOf(long index) => (int)Math.Min(ChunkSize, TotalBytes - index * ChunkSize);

    /// <summary>Marks the chunks touching <paramref name="changedRanges"/>, and every chunk the base does not have alike, as changed.</summary>
    public void MarkChanged(IReadOnlyList<ByteRange> changedRanges)
    {
        foreach (var range in changedRanges)
        {
            if (range.Length <= 0) continue;
            var first = range.Offset / ChunkSize;
            var last = Math.Min(Count - 1, (range.End - 1) / ChunkSize);
            for (var i = first; i <= last; i++) _changed[i] = true;
        }
        for (var i = 0; i < Count; i++)
        {
            if (i >= Base!.Chunks.Count || Base.Chunks[i].Length != LengthOf(i)) _changed[i] = true;
        }
    }

    public IReadOnlyList<long> UnchangedIndices()
    {
        var unchanged = new List<long>();
        for (var i = 0; i < Count; i++) if (!_changed[i]) unchanged.Add(i);
        return unchanged;
    }

    public void AddSampleRead(long bytes) => Interlocked.Add(ref _bytesRead, bytes);

    /// <summary>
    /// Settles what needs no reading and returns the chunks to read, in order: incrementally only the changed
    /// ones; in any case none that lies wholly in a hole.
    /// </summary>
    public IReadOnlyList<long> PlanReads(IReadOnlyList<ByteRange>? allocated, bool incremental)
    {
        var holes = new bool[Count];
        if (allocated is not null)
        {
            Array.Fill(holes, true);
            foreach (var range in allocated)
            {
                if (range.Length <= 0) continue;
                var first = range.Offset / ChunkSize;
                var last = Math.Min(Count - 1, (range.End - 1) / ChunkSize);
                for (var i = first; i <= last; i++) holes[i] = false;
            }
        }

        var toRead = new List<long>();
        for (var i = 0; i < Count; i++)
        {
            if (incremental && !_changed[i])
            {
                var fromBase = Base!.Chunks[i];
                _digests[i] = fromBase.Sha256;
                _zero[i] = fromBase.Zero;
                if (!fromBase.Zero) Interlocked.Increment(ref _chunksReused);
                SettledBytes += LengthOf(i);
            }
            else if (holes[i])
            {
                _digests[i] = ChunkDigest.OfZeros(LengthOf(i));
                _zero[i] = true;
                SettledBytes += LengthOf(i);
            }
            else
            {
                toRead.Add(i);
            }
        }
        return toRead;
    }

    /// <summary>Records a chunk that was read, hashed and (unless zero) put; <paramref name="storedBytes"/> is 0 when it was already there.</summary>
    public void Settle(HashedChunk chunk, long storedBytes)
    {
        _digests[chunk.Index] = chunk.Digest;
        _zero[chunk.Index] = chunk.IsZero;
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

    public CopyManifest BuildManifest(string copyId, CopySource source, string? baseCopyId, DateTime startedUtc)
    {
        var chunks = new ManifestChunk[Count];
        long changed = 0;
        var zeros = 0;
        for (var i = 0; i < Count; i++)
        {
            var digest = _digests[i] ?? throw new InvalidOperationException($"Chunk {i} was never settled.");
            chunks[i] = new ManifestChunk(digest, LengthOf(i), _zero[i]);
            if (_zero[i]) zeros++;
            if (Base is null || i >= Base.Chunks.Count || Base.Chunks[i].Sha256 != digest) changed += LengthOf(i);
        }

        var now = DateTime.UtcNow;
        var statistics = new CopyStatistics
        {
            BytesRead = Interlocked.Read(ref _bytesRead),
            BytesWritten = Interlocked.Read(ref _bytesWritten),
            BytesChanged = changed,
            ChunksNew = _chunksNew,
            ChunksReused = _chunksReused,
            ChunksZero = zeros,
            DurationSeconds = (now - startedUtc).TotalSeconds,
        };
        var manifest = new CopyManifest
        {
            CopyId = copyId,
            Source = source,
            BaseCopyId = baseCopyId,
            ChunkSize = ChunkSize,
            TotalBytes = TotalBytes,
            ImageSha256 = ChunkDigest.OfImage(chunks.Select(c => c.Sha256)),
            CreatedUtc = now,
            Chunks = chunks,
            Statistics = statistics,
        };
        // The manifest's own bytes count as written.
        return manifest with { Statistics = statistics with { BytesWritten = statistics.BytesWritten + ManifestCodec.Encode(manifest).Length } };
    }
}
