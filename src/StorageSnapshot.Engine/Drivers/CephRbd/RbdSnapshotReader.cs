using System.Buffers;
using StorageSnapshot.Engine.Drivers.CephRbd.Native;

namespace StorageSnapshot.Engine.Drivers.CephRbd;

/// <summary>
/// Reads one snapshot: the image opened read-only at the snapshot (rbd_open_read_only: no watch, nothing written),
/// each read an rbd_aio_read2, so any number may be in flight from any number of threads. A read started is always
/// waited for — librbd writes into the buffer until it completes — and each request is bounded by the backend's
/// timeout (rados_osd_op_timeout), so a cancelled copy stops within that time at worst.
/// <para>
/// Read-ahead: a copy reads its chunks one after the other, and one 4 MiB request at a time leaves the OSDs idle
/// between requests. When two reads in a row are contiguous, the next <see cref="Window"/> reads of the same
/// size are started at once into buffers of the reader's own; a read that finds its bytes there takes them. A jump
/// (an incremental copy going to its next changed chunk) drops what was read ahead, so the waste is bounded by the
/// window per contiguous run.
/// </para>
/// </summary>
internal sealed class RbdSnapshotReader : IBlockReader
{
    /// <summary>Reads started ahead of a sequential reader.</summary>
    private const int Window = 4;

    /// <summary>Reads larger than this are not read ahead (bounds the memory held: Window × this).</summary>
    private const int LargestReadAhead = 16 << 20;

    private readonly RbdImageHandle image;
    private readonly string location;
    private readonly CephRbdSettings settings;
    private readonly Action<Exception> observe;
    private readonly object gate = new();
    private readonly Dictionary<long, Ahead> ahead = new();
    private long lastEnd = -1;
    private bool disposed;

    public RbdSnapshotReader(RbdImageHandle image, long length, string location, CephRbdSettings settings, Action<Exception> observe)
    {
        this.image = image;
        this.location = location;
        this.settings = settings;
        this.observe = observe;
        Length = length;
    }

    public long Length { get; }

    public async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= Length || buffer.Length == 0) return 0;
        var length = (int)Math.Min(buffer.Length, Length - offset);

        var hit = Plan(offset, length);
        if (hit is not null)
        {
            try
            {
                var result = await hit.Done.ConfigureAwait(false);
                if (result < 0) throw Failed(CephError.From((int)-result, "rbd_aio_read2", $"read {hit.Length} bytes of {location} at offset {offset} (read ahead)", settings.User));
                var count = (int)Math.Min(result, length);
                hit.Buffer.AsSpan(0, count).CopyTo(buffer.Span);
                return count;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(hit.Buffer);
            }
        }

        var direct = await ReadNowAsync(offset, buffer[..length]).ConfigureAwait(false);
        if (direct < 0) throw Failed(CephError.From((int)-direct, "rbd_aio_read2", $"read {length} bytes of {location} at offset {offset}", settings.User));
        return (int)direct;
    }

    /// <summary>
    /// Takes the read-ahead that holds [offset, offset + length), if any; keeps the window full when reads are
    /// sequential, drops it when they are not.
    /// </summary>
    private Ahead? Plan(long offset, int length)
    {
        lock (gate)
        {
            if (disposed) throw new ObjectDisposedException(nameof(RbdSnapshotReader));
            Ahead? hit = null;
            if (ahead.Remove(offset, out var found))
            {
                if (found.Length >= length) hit = found;
                else Drop(found);
            }
            var sequential = offset == lastEnd;
            lastEnd = offset + length;
            if (!sequential)
            {
                foreach (var stale in ahead.Values) Drop(stale);
                ahead.Clear();
            }
            else if (length <= LargestReadAhead)
            {
                for (var k = 0; k < Window; k++)
                {
                    var at = lastEnd + (long)k * length;
                    if (at >= Length) break;
                    if (!ahead.ContainsKey(at)) ahead[at] = Start(at, (int)Math.Min(length, Length - at));
                }
            }
            return hit;
        }
    }

    private Ahead Start(long offset, int length)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        return new Ahead(offset, length, buffer, ReadNowAsync(offset, buffer.AsMemory(0, length)));
    }

    /// <summary>Forgets a read-ahead: its buffer goes back to the pool once librbd is done with it.</summary>
    private static void Drop(Ahead stale) =>
        stale.Done.ContinueWith(_ => ArrayPool<byte>.Shared.Return(stale.Buffer), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>One rbd_aio_read2 into <paramref name="buffer"/>; the image stays open until it completes.</summary>
    private async Task<long> ReadNowAsync(long offset, Memory<byte> buffer)
    {
        var referenced = false;
        image.DangerousAddRef(ref referenced);
        try
        {
            using var pin = buffer.Pin();
            var result = await StartRead(image, offset, buffer.Length, pin).ConfigureAwait(false);
            return result;
        }
        finally
        {
            if (referenced) image.DangerousRelease();
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// RBD knows allocation per object (4 MiB by default): an object exists or it does not, whatever part of it was
    /// written. When every object of the snapshot exists the answer says nothing a reader could skip, so it is
    /// null ("read everything"), not one range claiming every byte holds data.
    /// </remarks>
    public async Task<IReadOnlyList<ByteRange>?> GetAllocatedRangesAsync(CancellationToken cancellationToken)
    {
        List<ByteRange> ranges;
        try
        {
            ranges = await BlockingCall.RunAsync(progress => RbdExtents.Allocated(image, (ulong)Length, $"allocated ranges of {location}", settings.User, progress, cancellationToken),
                $"rbd_diff_iterate2 (allocated ranges of {location})", settings.Timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (CephException e)
        {
            throw Failed(e);
        }
        return ranges is [{ Offset: 0 } only] && only.Length >= Length ? null : ranges;
    }

    /// <summary>Closes the image once the reads in flight (read-ahead included) have completed.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            if (disposed) return;
            disposed = true;
            foreach (var stale in ahead.Values) Drop(stale);
            ahead.Clear();
        }
        image.Dispose();
    }

    private static unsafe Task<long> StartRead(RbdImageHandle image, long offset, int length, MemoryHandle pin)
    {
        var target = (byte*)pin.Pointer;
        return AioRequest.StartAsync(completion => Librbd.rbd_aio_read2(image, (ulong)offset, (nuint)length, target, completion, 0));
    }

    private CephException Failed(CephException failure)
    {
        observe(failure);
        return failure;
    }

    private sealed record Ahead(long Offset, int Length, byte[] Buffer, Task<long> Done);
}
