// Shared by the engine tests and the test host (linked, not referenced): a real, file-backed
// IBlockReader/IBlockWriter for exercising the secondary-storage code over real files until a driver hands
// them out. Holes are found with SEEK_DATA/SEEK_HOLE and made with FALLOC_FL_PUNCH_HOLE, as a driver would.
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using StorageSnapshot.Engine.Drivers;

namespace StorageSnapshot.Testing;

/// <summary>Reads an image file.</summary>
internal sealed class FileBlockReader : IBlockReader
{
    private readonly SafeFileHandle _handle;

    public FileBlockReader(string path)
    {
        Path = path;
        _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.Asynchronous);
        Length = RandomAccess.GetLength(_handle);
    }

    public string Path { get; }

    public long Length { get; }

    /// <summary>When false, GetAllocatedRangesAsync returns null (a device that cannot tell).</summary>
    public bool ReportHoles { get; init; } = true;

    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken) =>
        offset >= Length ? ValueTask.FromResult(0) : RandomAccess.ReadAsync(_handle, buffer, offset, cancellationToken);

    public Task<IReadOnlyList<ByteRange>?> GetAllocatedRangesAsync(CancellationToken cancellationToken)
    {
        if (!ReportHoles || !OperatingSystem.IsLinux()) return Task.FromResult<IReadOnlyList<ByteRange>?>(null);
        var ranges = new List<ByteRange>();
        var fd = (int)_handle.DangerousGetHandle();
        long position = 0;
        while (position < Length)
        {
            var data = Posix.lseek(fd, position, Posix.SeekData);
            if (data < 0) break; // ENXIO: no data after position
            var hole = Posix.lseek(fd, data, Posix.SeekHole);
            if (hole < 0) hole = Length;
            ranges.Add(new ByteRange(data, hole - data));
            position = hole;
        }
        return Task.FromResult<IReadOnlyList<ByteRange>?>(ranges);
    }

    public void Dispose() => _handle.Dispose();
}

/// <summary>Writes an image file of fixed length.</summary>
internal sealed class FileBlockWriter : IBlockWriter
{
    private readonly SafeFileHandle _handle;

    public FileBlockWriter(string path)
    {
        _handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, FileOptions.Asynchronous);
        Length = RandomAccess.GetLength(_handle);
    }

    /// <summary>Creates a sparse file of <paramref name="length"/> bytes and opens it.</summary>
    public static FileBlockWriter Create(string path, long length)
    {
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write)) stream.SetLength(length);
        return new FileBlockWriter(path);
    }

    public long Length { get; }

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (offset < 0 || offset + data.Length > Length) throw new ArgumentOutOfRangeException(nameof(offset));
        return RandomAccess.WriteAsync(_handle, data, offset, cancellationToken);
    }

    public async ValueTask ZeroAsync(long offset, long length, CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsLinux() && Posix.fallocate((int)_handle.DangerousGetHandle(), Posix.PunchHoleKeepSize, offset, length) == 0) return;
        var zeros = new byte[Math.Min(length, 1 << 20)];
        for (long done = 0; done < length; done += zeros.Length)
        {
            await RandomAccess.WriteAsync(_handle, zeros.AsMemory(0, (int)Math.Min(zeros.Length, length - done)), offset + done, cancellationToken);
        }
    }

    public Task FlushAsync(CancellationToken cancellationToken)
    {
        RandomAccess.FlushToDisk(_handle);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _handle.Dispose();
        return ValueTask.CompletedTask;
    }
}

internal static class Posix
{
    public const int SeekData = 3;
    public const int SeekHole = 4;
    public const int PunchHoleKeepSize = 0x02 | 0x01;

    [DllImport("libc", SetLastError = true)]
    public static extern long lseek(int fd, long offset, int whence);

    [DllImport("libc", SetLastError = true)]
    public static extern int fallocate(int fd, int mode, long offset, long length);
}
