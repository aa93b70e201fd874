using System.Buffers;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace StorageSnapshot.Engine.Platform.Linux;

/// <summary>
/// Writes that bypass the page cache (O_DIRECT). A copy or restore writes gigabytes nobody reads back soon:
/// through the page cache each byte is first copied into it (a second of CPU per 2 GiB here) and then written
/// out, all at the final fsync; direct writes go to the device as they are made, overlapping the reads and the
/// hashing (issue 11). They need the buffer's address, the file offset and the length to be multiples of the
/// device's block size; <see cref="Alignment"/> (4 KiB) covers every block size in use. Anything else — an
/// unaligned tail, a filesystem that refuses O_DIRECT (tmpfs, some FUSE), another OS — takes the buffered path.
/// </summary>
internal static class DirectIo
{
    /// <summary>What buffer addresses, offsets and lengths must be multiples of.</summary>
    public const int Alignment = 4096;

    // O_DIRECT is one of the few open flags whose value differs between Linux architectures.
    private static readonly int OpenDirect = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x10000 : 0x4000;

    /// <summary>True when <paramref name="offset"/> and <paramref name="length"/> suit a direct write.</summary>
    public static bool IsAligned(long offset, long length) => offset % Alignment == 0 && length % Alignment == 0 && length > 0;

    /// <summary>True when pinned memory starts on an <see cref="Alignment"/> boundary.</summary>
    public static unsafe bool IsAligned(MemoryHandle pinned) => (nuint)pinned.Pointer % Alignment == 0;

    /// <summary>
    /// Creates <paramref name="path"/> (it must not exist) for direct writes with <paramref name="mode"/>; null
    /// where direct I/O is not available (off Linux, or the filesystem refuses O_DIRECT: EINVAL). Other failures
    /// throw as file creation does.
    /// </summary>
    public static SafeFileHandle? TryCreate(string path, UnixFileMode mode) =>
        TryOpen(path, LibC.OpenWriteOnly | LibC.OpenCreate | LibC.OpenExclusive, (int)mode);

    /// <summary>Opens the existing <paramref name="path"/> for direct writes; null where direct I/O is not available.</summary>
    public static SafeFileHandle? TryOpenExisting(string path) => TryOpen(path, LibC.OpenWriteOnly, 0);

    private static SafeFileHandle? TryOpen(string path, int flags, int mode)
    {
        if (!OperatingSystem.IsLinux()) return null;
        var fd = LibC.Open(path, flags | OpenDirect | LibC.OpenCloseOnExec, mode);
        if (fd >= 0) return new SafeFileHandle(fd, ownsHandle: true);
        var errno = Marshal.GetLastPInvokeError();
        if (errno == Errno.EINVAL) return null;
        throw LinuxIOException.Like(errno, "open for direct writes", path);
    }
}
