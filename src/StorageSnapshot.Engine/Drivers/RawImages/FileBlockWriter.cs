using Microsoft.Win32.SafeHandles;
using StorageSnapshot.Engine.Platform.Linux;

namespace StorageSnapshot.Engine.Drivers.RawImages;

/// <summary>
/// Positional writes to a volume image (pwrite: safe from many threads), aligned chunks straight to the device.
/// Zeroing punches holes where the filesystem can, so restoring a sparse image keeps it sparse.
/// </summary>
internal sealed class FileBlockWriter : IBlockWriter
{
    private const int ZeroBlockSize = 1 << 20;
    private readonly FileStream file;
    // The same file opened for direct writes (DirectIo says why), or null where that is refused: aligned chunk
    // writes go through it, everything else through the page cache. fsync of either flushes the file.
    private readonly SafeFileHandle? direct;
    private readonly string path;

    /// <summary>Opens the existing image <paramref name="path"/> for writing.</summary>
    public FileBlockWriter(string path)
    {
        this.path = path;
        // bufferSize 0: no FileStream buffer; the stream is kept only for Flush(flushToDisk: true), i.e. fsync.
        file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0, FileOptions.Asynchronous);
        Length = file.Length;
        try
        {
            direct = DirectIo.TryOpenExisting(path);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public long Length { get; }

    /// <inheritdoc />
    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        CheckRange(offset, data.Length);
        if (direct is not null && DirectIo.IsAligned(offset, data.Length))
        {
            using var pinned = data.Pin();
            if (DirectIo.IsAligned(pinned))
            {
                await RandomAccess.WriteAsync(direct, data, offset, cancellationToken).ConfigureAwait(false);
                return;
            }
        }
        await RandomAccess.WriteAsync(file.SafeFileHandle, data, offset, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask ZeroAsync(long offset, long length, CancellationToken cancellationToken)
    {
        CheckRange(offset, length);
        cancellationToken.ThrowIfCancellationRequested();
        if (length == 0 || SparseRegions.TryPunchHole(file.SafeFileHandle, offset, length, path)) return;

        // No holes can be punched here: write zeros, but only where the file holds data — a restore zeroes whole
        // runs of a sparse volume (terabytes of holes) in one call, and holes already read as zeros.
        var ranges = SparseRegions.GetDataRanges(file.SafeFileHandle, offset, offset + length, path)
                     ?? new[] { new ByteRange(offset, length) };
        var zeros = new byte[(int)Math.Min(ZeroBlockSize, length)];
        foreach (var range in ranges)
        {
            for (var position = range.Offset; position < range.End;)
            {
                var count = (int)Math.Min(zeros.Length, range.End - position);
                await RandomAccess.WriteAsync(file.SafeFileHandle, zeros.AsMemory(0, count), position, cancellationToken).ConfigureAwait(false);
                position += count;
            }
        }
    }

    /// <inheritdoc />
    public Task FlushAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        file.Flush(flushToDisk: true);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        direct?.Dispose();
        return file.DisposeAsync();
    }

    private void CheckRange(long offset, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (offset + length > Length)
            throw new ArgumentOutOfRangeException(nameof(length),
                $"Writing {length} bytes at {offset} would go past the end of the {Length}-byte volume '{path}'.");
    }
}
