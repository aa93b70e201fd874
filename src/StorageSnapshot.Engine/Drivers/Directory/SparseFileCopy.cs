using System.Buffers;
using Microsoft.Win32.SafeHandles;
using StorageSnapshot.Engine.Platform.Linux;

namespace StorageSnapshot.Engine.Drivers.Directory;

/// <summary>
/// Copies a file's bytes into a fresh destination of the same length, keeping it sparse: only the source's
/// data extents are read (SEEK_DATA/SEEK_HOLE where the OS has them, the whole file elsewhere) and blocks that
/// read as zeros are not written, so the destination's holes stay holes.
/// </summary>
internal static class SparseFileCopy
{
    private const int BlockSize = 1 << 20;

    /// <summary>
    /// Copies <paramref name="length"/> bytes. The destination must already be <paramref name="length"/> long and
    /// read as zeros. <paramref name="onBytesCopied"/> sees every block (progress; tests inject faults there).
    /// </summary>
    public static async Task CopyAsync(SafeFileHandle source, string sourcePath, SafeFileHandle destination, long length,
        Action<long>? onBytesCopied, CancellationToken cancellationToken)
    {
        var dataRanges = SparseRegions.GetDataRanges(source, length, sourcePath) ?? new[] { new ByteRange(0, length) };
        var buffer = ArrayPool<byte>.Shared.Rent(BlockSize);
        try
        {
            foreach (var range in dataRanges)
            {
                for (var offset = range.Offset; offset < range.End;)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var wanted = (int)Math.Min(BlockSize, range.End - offset);
                    var read = await RandomAccess.ReadAsync(source, buffer.AsMemory(0, wanted), offset, cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                        throw new IOException($"'{sourcePath}' ended at {offset} bytes while being copied; {length} were expected.");
                    var block = buffer.AsMemory(0, read);
                    if (block.Span.IndexOfAnyExcept((byte)0) >= 0)
                        await RandomAccess.WriteAsync(destination, block, offset, cancellationToken).ConfigureAwait(false);
                    offset += read;
                    onBytesCopied?.Invoke(read);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
