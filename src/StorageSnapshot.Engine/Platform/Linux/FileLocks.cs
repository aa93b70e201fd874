using System.Runtime.InteropServices;

namespace StorageSnapshot.Engine.Platform.Linux;

/// <summary>
/// Asks the kernel whether another open file holds a byte-range lock on part of a file (fcntl F_OFD_GETLK): how
/// qemu's image locking is seen from outside. qemu locks bytes 100+ (the permissions it holds: read, write, ...)
/// and 200+ (those it refuses to share) of every image it has open, with open-file-description locks.
/// </summary>
internal static unsafe class FileLocks
{
    private const int OfdGetLock = 36;
    private const short WriteLock = 1;
    private const short Unlocked = 2;

    /// <summary>
    /// True when some open file description other than ours holds a lock on any byte of
    /// [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>) of <paramref name="path"/>.
    /// A file that does not exist holds no lock.
    /// </summary>
    public static bool IsAnyHeld(string path, long start, long length)
    {
        if (!OperatingSystem.IsLinux()) return false;
        Microsoft.Win32.SafeHandles.SafeFileHandle file;
        try
        {
            file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        using (file)
        {
            // struct flock on x86_64 and arm64: short l_type, short l_whence, (pad), off_t l_start, off_t l_len, pid_t l_pid.
            var flock = stackalloc byte[32];
            new Span<byte>(flock, 32).Clear();
            *(short*)flock = WriteLock; // a write lock conflicts with every other lock: "is there any?"
            *(long*)(flock + 8) = start;
            *(long*)(flock + 16) = length;
            if (LibC.FcntlLock(file, OfdGetLock, flock) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EINVAL) return false; // a filesystem without byte-range locks: qemu cannot lock there either
                throw LinuxIOException.FromErrno(errno, "fcntl(F_OFD_GETLK)", path);
            }
            return *(short*)flock != Unlocked;
        }
    }
}
