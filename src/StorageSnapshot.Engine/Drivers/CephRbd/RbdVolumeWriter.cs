using StorageSnapshot.Engine.Drivers.CephRbd.Native;

namespace StorageSnapshot.Engine.Drivers.CephRbd;

/// <summary>
/// Writes one image (a restore from secondary storage): rbd_aio_write2 for data, rbd_aio_write_zeroes for zero
/// ranges (librbd removes whole objects and zeroes partial ones, so the image stays thin — a plain discard could
/// skip a partial range and leave old bytes), rbd_aio_flush to make it durable. Any number of requests may be in
/// flight; each is waited for, as for reads.
/// </summary>
internal sealed class RbdVolumeWriter : IBlockWriter
{
    /// <summary>The largest range one write-zeroes request covers (librbd takes size_t, but smaller steps stay cancellable).</summary>
    private const long ZeroStep = 1L << 30;

    private readonly RbdImageHandle image;
    private readonly string location;
    private readonly CephRbdSettings settings;

    private readonly Action<Exception> observe;

    public RbdVolumeWriter(RbdImageHandle image, long length, string location, CephRbdSettings settings, Action<Exception> observe)
    {
        this.observe = observe;
        this.image = image;
        this.location = location;
        this.settings = settings;
        Length = length;
    }

    public long Length { get; }

    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        CheckRange(offset, data.Length);
        if (data.Length == 0) return;
        using var pin = data.Pin();
        await SubmitAsync(Write(image, offset, data.Length, pin), "rbd_aio_write2", $"write {data.Length} bytes to {location} at offset {offset}").ConfigureAwait(false);
    }

    public async ValueTask ZeroAsync(long offset, long length, CancellationToken cancellationToken)
    {
        CheckRange(offset, length);
        for (var done = 0L; done < length;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var step = Math.Min(ZeroStep, length - done);
            var at = offset + done;
            await SubmitAsync(completion => Librbd.rbd_aio_write_zeroes(image, (ulong)at, (nuint)step, completion, 0, 0),
                "rbd_aio_write_zeroes", $"zero {step} bytes of {location} at offset {at}").ConfigureAwait(false);
            done += step;
        }
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await SubmitAsync(completion => Librbd.rbd_aio_flush(image, completion), "rbd_aio_flush", $"flush {location}").ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        image.Dispose();
        return ValueTask.CompletedTask;
    }

    private static unsafe Func<nint, int> Write(RbdImageHandle image, long offset, int length, System.Buffers.MemoryHandle pin)
    {
        var source = (byte*)pin.Pointer;
        return completion => Librbd.rbd_aio_write2(image, (ulong)offset, (nuint)length, source, completion, 0);
    }

    private void CheckRange(long offset, long length)
    {
        if (offset < 0 || length < 0 || offset + length > Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"The range [{offset}, {offset + length}) is outside {location} ({Length} bytes).");
    }

    private async Task SubmitAsync(Func<nint, int> submit, string call, string what)
    {
        var referenced = false;
        image.DangerousAddRef(ref referenced);
        try
        {
            var result = await AioRequest.StartAsync(submit).ConfigureAwait(false);
            if (result < 0) throw Failed(CephError.From((int)-result, call, what, settings.User));
        }
        finally
        {
            if (referenced) image.DangerousRelease();
        }
    }

    private CephException Failed(CephException failure)
    {
        observe(failure);
        return failure;
    }
}
