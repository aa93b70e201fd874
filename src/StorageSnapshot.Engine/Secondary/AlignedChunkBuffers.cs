using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using StorageSnapshot.Engine.Platform.Linux;

namespace StorageSnapshot.Engine.Secondary;

/// <summary>
/// Chunk-sized buffers whose memory starts on a page boundary and never moves (pinned arrays), so that chunks read
/// into them can be written with direct I/O (<see cref="DirectIo"/>). One pool serves every transfer of the process
/// (<see cref="Shared"/>): a runbook copies hundreds of volumes one after another in one pwsh, and buffers made
/// afresh for each copy cost the kernel a page fault and a zeroed page per 4 KiB, and left each copy's pinned
/// arrays for a full collection to free (a 200-volume runbook peaked at 339 MiB). Up to
/// <see cref="MaxRetainedBytes"/> of returned buffers are kept for the next transfer, and all of them are let go
/// once none was returned for <see cref="IdleRetention"/>, so an interactive session does not hold them for
/// nothing. Callers bound how many they hold at once. Buffers are not zeroed: every user fills the part it uses.
/// </summary>
internal sealed class AlignedChunkBuffers(long maxRetainedBytes, TimeSpan idleRetention)
{
    /// <summary>The process's pool: 64 MiB kept (a copy's or a restore's buffers in flight at 4 MiB chunks), let go after 30 s idle.</summary>
    public static AlignedChunkBuffers Shared { get; } = new(64L << 20, TimeSpan.FromSeconds(30));

    private readonly object _gate = new();
    private readonly Dictionary<int, Stack<Memory<byte>>> _free = [];
    private long _retainedBytes;
    private long _lastReturn;
    private Timer? _trimTimer;

    /// <summary>Most bytes of returned buffers kept for reuse; more are left to the garbage collector.</summary>
    public long MaxRetainedBytes => maxRetainedBytes;

    /// <summary>How long kept buffers outlive the last return.</summary>
    public TimeSpan IdleRetention => idleRetention;

    /// <summary>Bytes kept for reuse now.</summary>
    public long RetainedBytes
    {
        get
        {
            lock (_gate) return _retainedBytes;
        }
    }

    /// <summary>A buffer of exactly <paramref name="size"/> bytes: a kept one when there is one.</summary>
    public Memory<byte> Rent(int size)
    {
        lock (_gate)
        {
            if (_free.TryGetValue(size, out var kept) && kept.TryPop(out var buffer))
            {
                _retainedBytes -= size;
                return buffer;
            }
        }
        return Allocate(size);
    }

    /// <summary>Gives a buffer from <see cref="Rent"/> back; its holder must not touch it afterwards.</summary>
    public void Return(Memory<byte> buffer)
    {
        lock (_gate)
        {
            _lastReturn = Environment.TickCount64;
            if (_retainedBytes + buffer.Length > maxRetainedBytes) return;
            if (!_free.TryGetValue(buffer.Length, out var kept)) _free[buffer.Length] = kept = new Stack<Memory<byte>>();
            kept.Push(buffer);
            _retainedBytes += buffer.Length;
            if (_trimTimer is null)
            {
                // No execution context: the timer outlives the transfer that happened to start it.
                using (ExecutionContext.SuppressFlow())
                    _trimTimer = new Timer(static pool => ((AlignedChunkBuffers)pool!).TrimIfIdle(), this, idleRetention, idleRetention);
            }
        }
    }

    private void TrimIfIdle()
    {
        lock (_gate)
        {
            if (Environment.TickCount64 - _lastReturn < (long)idleRetention.TotalMilliseconds) return;
            _free.Clear();
            _retainedBytes = 0;
            _trimTimer?.Dispose();
            _trimTimer = null;
        }
    }

    private static unsafe Memory<byte> Allocate(int size)
    {
        var array = GC.AllocateUninitializedArray<byte>(size + DirectIo.Alignment, pinned: true);
        var address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        var skip = (int)((DirectIo.Alignment - address % DirectIo.Alignment) % DirectIo.Alignment);
        return array.AsMemory(skip, size);
    }
}
