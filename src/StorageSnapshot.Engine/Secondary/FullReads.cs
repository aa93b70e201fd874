using Microsoft.Win32.SafeHandles;
using StorageSnapshot.Engine.Drivers;

namespace StorageSnapshot.Engine.Secondary;

/// <summary>
/// Reading a whole buffer: a read may return fewer bytes than asked for (a driver's reader, a file on a
/// network share), so every chunk-sized read loops until the buffer is full or the data ends.
/// </summary>
internal static class FullReads
{
    /// <summary>Reads <paramref name="buffer"/>'s length from <paramref name="source"/> at <paramref name="offset"/>, or up to its end; returns the bytes read.</summary>
    public static ValueTask<int> ReadAsync(IBlockReader source, long offset, Memory<byte> buffer, CancellationToken cancellationToken) =>
        ReadAsync(static (state, at, into, token) => ((IBlockReader)state).ReadAsync(at, into, token), source, offset, buffer, cancellationToken);

    /// <summary>Reads <paramref name="buffer"/>'s length from <paramref name="file"/> at <paramref name="offset"/>, or up to its end; returns the bytes read.</summary>
    public static ValueTask<int> ReadAsync(SafeFileHandle file, long offset, Memory<byte> buffer, CancellationToken cancellationToken) =>
        ReadAsync(static (state, at, into, token) => RandomAccess.ReadAsync((SafeFileHandle)state, into, at, token), file, offset, buffer, cancellationToken);

    private static async ValueTask<int> ReadAsync(Func<object, long, Memory<byte>, CancellationToken, ValueTask<int>> read, object state, long offset,
        Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = await read(state, offset + total, buffer[total..], cancellationToken).ConfigureAwait(false);
            if (n <= 0) break;
            total += n;
        }
        return total;
    }
}
