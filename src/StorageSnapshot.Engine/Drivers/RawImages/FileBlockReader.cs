using Microsoft.Win32.SafeHandles;
using StorageSnapshot.Engine.Platform.Linux;

namespace StorageSnapshot.Engine.Drivers.RawImages;

/// <summary>Positional reads of an image file (pread: no shared file position, so safe from many threads).</summary>
internal sealed class FileBlockReader : IBlockReader
{
    private readonly SafeFileHandle handle;
    private readonly string path;

    /// <summary>Opens <paramref name="path"/> for reading.</summary>
    public FileBlockReader(string path)
    {
        this.path = path;
        handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
        Length = RandomAccess.GetLength(handle);
    }

    /// <inheritdoc />
    public long Length { get; }

    /// <inheritdoc />
    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= Length || buffer.Length == 0) return ValueTask.FromResult(0);
        var wanted = (int)Math.Min(buffer.Length, Length - offset);
        return RandomAccess.ReadAsync(handle, buffer[..wanted], offset, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ByteRange>?> GetAllocatedRangesAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(SparseRegions.GetDataRanges(handle, Length, path));
    }

    /// <inheritdoc />
    public void Dispose() => handle.Dispose();
}
