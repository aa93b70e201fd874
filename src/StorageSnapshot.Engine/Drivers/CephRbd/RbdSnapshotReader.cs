using StorageSnapshot.Engine.Drivers.CephRbd.Native;

namespace StorageSnapshot.Engine.Drivers.CephRbd;

/// <summary>
/// Reads one snapshot: the image opened read-only at the snapshot (rbd_open_read_only: no watch, nothing written),
/// each read an rbd_aio_read2, so any number may be in flight from any number of threads. A read started is always
/// waited for — librbd writes into the caller's buffer until it completes — and each request is bounded by the
/// backend's timeout (rados_osd_op_timeout), so a cancelled copy stops within that time at worst.
/// </summary>
internal sealed class RbdSnapshotReader : IBlockReader
{
    private readonly RbdImageHandle image;
    private readonly string location;
    private readonly CephRbdSettings settings;

    public RbdSnapshotReader(RbdImageHandle image, long length, string location, CephRbdSettings settings)
    {
        this.image = image;
        this.location = location;
        this.settings = settings;
        Length = length;
    }

    public long Length { get; }

    /// <summary>Bytes asked of the cluster so far (for measurements).</summary>
    public long BytesRead => Interlocked.Read(ref bytesRead);

    private long bytesRead;

    public async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= Length || buffer.Length == 0) return 0;
        var length = (int)Math.Min(buffer.Length, Length - offset);

        var referenced = false;
        image.DangerousAddRef(ref referenced);
        try
        {
            using var pin = buffer.Pin();
            var result = await StartRead(image, offset, length, pin).ConfigureAwait(false);
            if (result < 0) throw CephError.From((int)-result, "rbd_aio_read2", $"read {length} bytes of {location} at offset {offset}", settings.User);
            Interlocked.Add(ref bytesRead, result);
            return (int)result;
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
        var ranges = await BlockingCall.RunAsync(progress => RbdExtents.Allocated(image, (ulong)Length, $"allocated ranges of {location}", settings.User, progress, cancellationToken),
            $"rbd_diff_iterate2 (allocated ranges of {location})", settings.Timeout, cancellationToken).ConfigureAwait(false);
        return ranges is [{ Offset: 0 } only] && only.Length >= Length ? null : ranges;
    }

    public void Dispose() => image.Dispose();

    private static unsafe Task<long> StartRead(RbdImageHandle image, long offset, int length, System.Buffers.MemoryHandle pin)
    {
        var target = (byte*)pin.Pointer;
        return AioRequest.StartAsync(completion => Librbd.rbd_aio_read2(image, (ulong)offset, (nuint)length, target, completion, 0));
    }
}
