using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace StorageSnapshot.Engine.Platform.Linux;

/// <summary>SEEK_DATA / SEEK_HOLE: which parts of a sparse file hold data, and punching holes back into one.</summary>
internal static class SparseRegions
{
    /// <summary>
    /// The ranges of the first <paramref name="length"/> bytes that may hold data (the rest reads as zeros), or
    /// null where the system cannot tell. Uses positional seeks only, so it is safe beside concurrent preads.
    /// </summary>
    public static IReadOnlyList<ByteRange>? GetDataRanges(SafeFileHandle file, long length, string path) =>
        GetDataRanges(file, 0, length, path);

    /// <summary>The same for the bytes from <paramref name="start"/> to <paramref name="end"/>.</summary>
    public static IReadOnlyList<ByteRange>? GetDataRanges(SafeFileHandle file, long start, long end, string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        var ranges = new List<ByteRange>();
        var length = end;
        var position = start;
        while (position < length)
        {
            var dataStart = LibC.LSeek(file, position, LibC.SeekData);
            if (dataStart < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.ENXIO) break; // no data after position
                if (errno is Errno.EINVAL or Errno.EOPNOTSUPP) return null;
                throw LinuxIOException.FromErrno(errno, "lseek(SEEK_DATA)", path);
            }
            if (dataStart >= length) break;
            var holeStart = LibC.LSeek(file, dataStart, LibC.SeekHole);
            if (holeStart < 0) throw LinuxIOException.FromLastError("lseek(SEEK_HOLE)", path);
            holeStart = Math.Min(holeStart, length);
            ranges.Add(new ByteRange(dataStart, holeStart - dataStart));
            position = holeStart;
        }
        return ranges;
    }

    /// <summary>
    /// Deallocates a range, keeping the size. Returns false where the filesystem cannot punch holes (the caller
    /// writes zeros instead).
    /// </summary>
    public static bool TryPunchHole(SafeFileHandle file, long offset, long length, string path)
    {
        if (!OperatingSystem.IsLinux()) return false;
        if (LibC.FAllocate(file, LibC.FallocPunchHole | LibC.FallocKeepSize, offset, length) == 0) return true;
        var errno = Marshal.GetLastPInvokeError();
        if (errno is Errno.EOPNOTSUPP or Errno.ENOSYS) return false;
        throw LinuxIOException.FromErrno(errno, "fallocate(PUNCH_HOLE)", path);
    }
}
