namespace StorageSnapshot.Engine.Secondary;

/// <summary>
/// The problems a restore or verification found, from any thread, reported in image order. A copy whose every
/// chunk is gone would otherwise yield one sentence per chunk of the volume: only the first
/// <see cref="Limit"/> by position are kept, followed by a line saying how many more there were.
/// </summary>
internal sealed class MismatchList(int chunkSize)
{
    /// <summary>Most problems listed one by one.</summary>
    public const int Limit = 1000;

    private readonly object _gate = new();
    // Largest index first, so the one to drop when over the limit is at hand.
    private readonly PriorityQueue<(long Index, string Problem), long> _kept = new(Comparer<long>.Create((a, b) => b.CompareTo(a)));
    private long _count;
    private long _chunkProblems;

    public bool IsEmpty => Interlocked.Read(ref _count) == 0;

    /// <summary>Problems of single chunks (not of the copy as a whole), listed or not.</summary>
    public long ChunkProblems => Interlocked.Read(ref _chunkProblems);

    /// <summary>A problem of the chunk at <paramref name="index"/>; -1 for one of the copy as a whole (listed first).</summary>
    public void Add(long index, string problem)
    {
        lock (_gate)
        {
            _count++;
            if (index >= 0) _chunkProblems++;
            _kept.Enqueue((index, problem), index);
            if (_kept.Count > Limit) _kept.Dequeue();
        }
    }

    /// <summary>Every kept problem as a sentence, in image order, and the count of the rest.</summary>
    public string[] ToArray()
    {
        lock (_gate)
        {
            var list = _kept.UnorderedItems.Select(i => i.Element).OrderBy(m => m.Index)
                .Select(m => m.Index < 0 ? m.Problem : $"chunk {m.Index} (offset {m.Index * chunkSize}): {m.Problem}")
                .ToList();
            if (_count > _kept.Count) list.Add($"… and {_count - _kept.Count} more problem(s) after those.");
            return list.ToArray();
        }
    }
}
