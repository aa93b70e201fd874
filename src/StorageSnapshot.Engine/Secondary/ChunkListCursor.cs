using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Secondary;

/// <summary>
/// A forward-only view of a streamed chunk list (a base copy's): "which run covers chunk i", for indices that
/// never decrease. Holds one run at a time.
/// </summary>
internal sealed class ChunkListCursor : IAsyncDisposable
{
    private readonly IAsyncEnumerator<ChunkRun> _runs;
    private ChunkRun? _current;
    private bool _ended;

    public ChunkListCursor(IAsyncEnumerable<ChunkRun> runs, CancellationToken cancellationToken)
    {
        _runs = runs.GetAsyncEnumerator(cancellationToken);
    }

    /// <summary>The run covering chunk <paramref name="index"/>; null past the end of the list.</summary>
    public async ValueTask<ChunkRun?> AtAsync(long index)
    {
        while (!_ended && (_current is null || _current.Value.EndIndex <= index))
        {
            if (await _runs.MoveNextAsync().ConfigureAwait(false)) _current = _runs.Current;
            else _ended = true;
        }
        return _current is { } run && run.FirstIndex <= index && index < run.EndIndex ? run : null;
    }

    public ValueTask DisposeAsync() => _runs.DisposeAsync();
}
