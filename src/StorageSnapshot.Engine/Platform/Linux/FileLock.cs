using System.Runtime.InteropServices;

namespace StorageSnapshot.Engine.Platform.Linux;

/// <summary>
/// An advisory lock on a file (flock): shared or exclusive, seen by every process on the host and, on NFSv4,
/// across hosts; the kernel drops it when the holder dies. Held on a raw descriptor, not a FileStream: .NET
/// takes its own exclusive flock when it opens a file, which would turn "wait for the shared holders" into an
/// exception. Linux only; disposing releases it.
/// </summary>
internal sealed class FileLock : IDisposable
{
    private int _fd;

    private FileLock(int fd) => _fd = fd;

    /// <summary>
    /// Opens (creating, owner-only: a lock file's name can tell what is running) <paramref name="path"/> and takes
    /// its lock without waiting. Null when another holder conflicts; throws on any other failure.
    /// </summary>
    public static FileLock? TryAcquire(string path, bool exclusive)
    {
        var fd = LibC.Open(path, LibC.OpenReadWrite | LibC.OpenCreate | LibC.OpenCloseOnExec, Convert.ToInt32("600", 8));
        if (fd < 0) throw LinuxIOException.Like(Marshal.GetLastPInvokeError(), "open lock file", path);
        while (true)
        {
            if (LibC.Flock(fd, (exclusive ? LibC.LockExclusive : LibC.LockShared) | LibC.LockNonBlocking) == 0) return new FileLock(fd);
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.EINTR) continue;
            LibC.Close(fd);
            if (errno == Errno.EWOULDBLOCK) return null;
            throw LinuxIOException.Like(errno, "flock", path);
        }
    }

    /// <summary>Releases the lock (closing the descriptor releases it).</summary>
    public void Dispose()
    {
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0) LibC.Close(fd);
    }
}
