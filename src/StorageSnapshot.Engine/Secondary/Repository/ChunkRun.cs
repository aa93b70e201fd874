namespace StorageSnapshot.Engine.Secondary.Repository;

/// <summary>
/// One entry of a copy's chunk list: a single stored chunk (<see cref="Digest"/> set, <see cref="Count"/> 1) or a
/// run of <see cref="Count"/> all-zero chunks, which are stored as nothing (<see cref="Digest"/> null). Chunk i
/// starts at i × chunk size; its length is the chunk size except for the image's last chunk, which may be shorter.
/// A chunk list is read and written as a stream of these, in image order, so that nothing ever holds one entry
/// per chunk of the volume: a 64 TiB volume that is mostly holes is a handful of runs.
/// </summary>
internal readonly record struct ChunkRun
{
    private ChunkRun(long firstIndex, long count, string? digest)
    {
        FirstIndex = firstIndex;
        Count = count;
        Digest = digest;
    }

    /// <summary>A stored chunk at <paramref name="index"/> with <paramref name="digest"/> (lowercase hex SHA-256).</summary>
    public static ChunkRun Data(long index, string digest) => new(index, 1, digest);

    /// <summary><paramref name="count"/> all-zero chunks from <paramref name="firstIndex"/> on.</summary>
    public static ChunkRun Zeros(long firstIndex, long count) => new(firstIndex, count, null);

    /// <summary>Index of the first chunk.</summary>
    public long FirstIndex { get; }

    /// <summary>How many chunks (1 for a stored chunk).</summary>
    public long Count { get; }

    /// <summary>The stored chunk's digest; null for a run of zero chunks.</summary>
    public string? Digest { get; }

    /// <summary>True for a run of zero chunks.</summary>
    public bool IsZero => Digest is null;

    /// <summary>Index after the last chunk.</summary>
    public long EndIndex => FirstIndex + Count;
}
