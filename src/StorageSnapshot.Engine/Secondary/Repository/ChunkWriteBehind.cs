using System.Runtime.ExceptionServices;

namespace StorageSnapshot.Engine.Secondary.Repository;

/// <summary>
/// A chunk written in full to its temporary file, whose writeback has been started, waiting to be made durable
/// (fsync) and visible (renamed to its name). Settled once, by whichever caller claims it first.
/// </summary>
internal sealed class WrittenChunk(string digest, string temporary, FileStream file, long length)
{
    private int _claimed;

    public string Digest { get; } = digest;

    public string Temporary { get; } = temporary;

    /// <summary>Still open: fsync needs a descriptor, and reopening by name would cost a lookup per chunk.</summary>
    public FileStream File { get; } = file;

    public long Length { get; } = length;

    /// <summary>Completes when the chunk is settled; faulted when settling it failed.</summary>
    public TaskCompletionSource Settled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>True for exactly one caller: the one that settles it.</summary>
    public bool TryClaim() => Interlocked.Exchange(ref _claimed, 1) == 0;
}

/// <summary>
/// The chunks of a filesystem repository that are written but not yet durable and visible: write-behind.
/// Why: an fsync straight after each chunk waits for that chunk's writeback and a device flush before its writer
/// can go on — a 2 GiB copy spent most of its time in 512 such waits (issue 11). Now each chunk's writeback starts
/// as soon as it is written, and it is fsynced and renamed into place once it is the oldest of more than
/// <see cref="MaxBytes"/> (or <see cref="MaxChunks"/>) waiting — by then its pages are written and the fsync is
/// short — and at the latest before the manifest that names it is committed (<see cref="SettleAllAsync"/>).
/// A chunk is still never visible under its name before its bytes are durable; the window bounds the open
/// descriptors and the dirty pages one copy keeps, not the process's memory (the bytes are in the page cache).
/// </summary>
internal sealed class ChunkWriteBehind(Action<WrittenChunk> settle)
{
    /// <summary>Bytes waiting before the oldest chunk is settled: enough to keep the device busy behind 4 writers.</summary>
    public const long MaxBytes = 64L << 20;

    /// <summary>
    /// Chunks waiting before the oldest is settled, whatever their size: 16 × 4 MiB is the byte bound; with smaller
    /// chunks it keeps what a killed copy loses (written, never named: a rerun writes it again) to a few chunks.
    /// </summary>
    public const int MaxChunks = 16;

    private readonly object _gate = new();
    private readonly Queue<WrittenChunk> _oldestFirst = new();
    private readonly Dictionary<string, WrittenChunk> _unsettled = new(StringComparer.Ordinal);
    private long _waitingBytes;

    /// <summary>
    /// True while chunk <paramref name="digest"/> is written and not yet settled: stored, as far as the copy is
    /// concerned (a chunk met twice in one copy is written once; if settling it fails, that copy fails).
    /// </summary>
    public bool Holds(string digest)
    {
        lock (_gate) return _unsettled.ContainsKey(digest);
    }

    /// <summary>Chunks written and not yet settled (for tests and diagnostics).</summary>
    public int Unsettled
    {
        get
        {
            lock (_gate) return _unsettled.Count;
        }
    }

    /// <summary>
    /// Adds a written chunk, then settles, on the caller's thread, the oldest ones past the window. A failure to
    /// settle one of them is thrown here (naming that chunk) and fails the caller's copy.
    /// </summary>
    public void Add(WrittenChunk chunk)
    {
        List<WrittenChunk>? due = null;
        lock (_gate)
        {
            _unsettled.Add(chunk.Digest, chunk);
            _oldestFirst.Enqueue(chunk);
            _waitingBytes += chunk.Length;
            while (_oldestFirst.Count > MaxChunks || _waitingBytes > MaxBytes)
            {
                var oldest = _oldestFirst.Dequeue();
                _waitingBytes -= oldest.Length;
                (due ??= new()).Add(oldest);
            }
        }
        if (due is null) return;
        foreach (var oldest in due)
        {
            if (oldest.TryClaim()) Settle(oldest);
        }
    }

    /// <summary>
    /// Settles every chunk added so far, waiting for those another thread is settling: when it returns, each is
    /// durable under its name. When some cannot be, the others are settled all the same (no descriptor or
    /// temporary is left behind) and the first failure is thrown.
    /// </summary>
    public async Task SettleAllAsync()
    {
        WrittenChunk[] all;
        lock (_gate)
        {
            all = _unsettled.Values.ToArray();
            _oldestFirst.Clear();
            _waitingBytes = 0;
        }
        ExceptionDispatchInfo? first = null;
        foreach (var chunk in all)
        {
            try
            {
                if (chunk.TryClaim()) Settle(chunk);
                else await chunk.Settled.Task.ConfigureAwait(false);
            }
            catch (Exception e)
            {
                first ??= ExceptionDispatchInfo.Capture(e);
            }
        }
        first?.Throw();
    }

    private void Settle(WrittenChunk chunk)
    {
        try
        {
            settle(chunk);
            chunk.Settled.SetResult();
        }
        catch (Exception e)
        {
            chunk.Settled.SetException(e);
            // Observed by whoever waits for it, or by nobody when the thrower's copy stops here: either way not
            // an unobserved-task warning at the next collection.
            _ = chunk.Settled.Task.Exception;
            throw;
        }
        finally
        {
            // After the rename: there is no moment when the chunk is neither held here nor under its name.
            lock (_gate) _unsettled.Remove(chunk.Digest);
        }
    }
}
