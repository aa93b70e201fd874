
namespace StorageSnapshot.Engine.Secondary;

/// <summary>
/// The chunks touched by a set of byte ranges (allocated ranges, changed ranges), as sorted, merged intervals of
/// chunk indices: as many entries as there are ranges, never one per chunk, so a 64 TiB volume with a few extents
/// of data is a few intervals. Questions are answered by binary search.
/// </summary>
internal sealed class ChunkIntervals
{
    private readonly List<(long First, long End)> _intervals;
    private readonly long _chunkCount;

    private ChunkIntervals(List<(long First, long End)> intervals, long chunkCount)
    {
        _intervals = intervals;
        _chunkCount = chunkCount;
    }

    /// <summary>Every chunk (a device that cannot tell which ranges hold data).</summary>
    public static ChunkIntervals All(long chunkCount) =>
        new(chunkCount > 0 ? new List<(long, long)> { (0, chunkCount) } : new List<(long, long)>(), chunkCount);

    /// <summary>The chunks of <paramref name="chunkSize"/> that share at least one byte with <paramref name="ranges"/>.</summary>
    public static ChunkIntervals Touching(IEnumerable<ByteRange> ranges, int chunkSize, long chunkCount)
    {
        var intervals = ranges.Where(r => r.Length > 0 && r.Offset >= 0)
            .Select(r => (First: r.Offset / chunkSize, End: Math.Min(chunkCount, (r.End - 1) / chunkSize + 1)))
            .Where(i => i.First < i.End)
            .OrderBy(i => i.First)
            .ToList();
        var merged = new List<(long First, long End)>(intervals.Count);
        foreach (var interval in intervals)
        {
            if (merged.Count > 0 && interval.First <= merged[^1].End)
                merged[^1] = (merged[^1].First, Math.Max(merged[^1].End, interval.End));
            else
                merged.Add(interval);
        }
        return new ChunkIntervals(merged, chunkCount);
    }

    /// <summary>How many intervals (for messages).</summary>
    public int IntervalCount => _intervals.Count;

    /// <summary>True when chunk <paramref name="index"/> is in an interval.</summary>
    public bool Contains(long index)
    {
        var at = Find(index);
        return at >= 0 && _intervals[at].First <= index && index < _intervals[at].End;
    }

    /// <summary>The first chunk at or after <paramref name="index"/> that is in an interval; the chunk count when none is.</summary>
    public long NextIn(long index)
    {
        if (Contains(index)) return index;
        var following = Find(index) + 1;
        return following < _intervals.Count ? _intervals[following].First : _chunkCount;
    }

    /// <summary>The first chunk at or after <paramref name="index"/> that is in no interval; the chunk count when there is none.</summary>
    public long NextOut(long index)
    {
        var at = Find(index);
        return at >= 0 && index < _intervals[at].End ? Math.Min(_intervals[at].End, _chunkCount) : Math.Min(index, _chunkCount);
    }

    /// <summary>Index of the last interval starting at or before <paramref name="index"/>, or -1.</summary>
    private int Find(long index)
    {
        int low = 0, high = _intervals.Count - 1, found = -1;
        while (low <= high)
        {
            var middle = (low + high) / 2;
            if (_intervals[middle].First <= index)
            {
                found = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }
        return found;
    }
}
