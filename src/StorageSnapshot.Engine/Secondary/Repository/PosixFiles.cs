using System.ComponentModel;
using System.Runtime.InteropServices;

namespace StorageSnapshot.Engine.Secondary.Repository;

/// <summary>
/// The two things .NET's file API lacks for crash-safe repositories: fsync of a directory (so a rename survives
/// power loss) and flock (advisory locks that die with the process, seen by every process on the host and, on
/// NFSv4, across hosts). Linux only, like the drivers that need them.
/// </summary>
internal static partial class PosixFiles
{
    private const int ORdOnly = 0;
    private const int ORdWr = 2;
    private const int OCreat = 0x40;
    private const int ODirectory = 0x10000;
    private const int OCloexec = 0x80000;
    private const int LockShared = 1;
    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;
    private const int EWouldBlock = 11;
    private const int EIntr = 4;
    private const int EAcces = 13;
    private const int EPerm = 1;
    private const int ENoEnt = 2;
    private const int EExist = 17;

    /// <summary>Flushes a directory's entries (renames, creations) to stable storage.</summary>
    public static void FsyncDirectory(string path)
    {
        if (!OperatingSystem.IsLinux()) return;
        var fd = open(path, ORdOnly | ODirectory | OCloexec, 0);
        if (fd < 0) throw Error(Marshal.GetLastWin32Error(), $"Cannot open directory '{path}' to flush it");
        try
        {
            if (fsync(fd) != 0) throw Error(Marshal.GetLastWin32Error(), $"Cannot flush directory '{path}'");
        }
        finally
        {
            close(fd);
        }
    }

    /// <summary>
    /// Opens (creating) a lock file and tries to take its flock without waiting. Returns the descriptor holding
    /// the lock, or -1 when another holder conflicts. Raw descriptors, not FileStream: .NET takes its own flock
    /// when it opens a file, which would turn a wait into an exception.
    /// </summary>
    public static int TryLockFile(string path, bool exclusive)
    {
        // Owner-only: a lock file's name tells which copy is running.
        var fd = open(path, ORdWr | OCreat | OCloexec, Convert.ToInt32("600", 8));
        if (fd < 0) throw Error(Marshal.GetLastWin32Error(), $"Cannot open lock file '{path}'");
        while (true)
        {
            if (flock(fd, (exclusive ? LockExclusive : LockShared) | LockNonBlocking) == 0) return fd;
            var errno = Marshal.GetLastWin32Error();
            if (errno == EIntr) continue;
            close(fd);
            if (errno == EWouldBlock) return -1;
            throw Error(errno, $"Cannot lock '{path}'");
        }
    }

    /// <summary>
    /// Creates one directory whose parent must exist (mkdir, not mkdir -p): a repository that vanished — a share
    /// unmounted under a running copy — must fail the copy, not be silently re-created on the mount point.
    /// Succeeds if the directory exists.
    /// </summary>
    public static void CreateDirectoryInExistingParent(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            if (!Directory.Exists(Path.GetDirectoryName(path))) throw new DirectoryNotFoundException($"'{Path.GetDirectoryName(path)}' does not exist.");
            Directory.CreateDirectory(path);
            return;
        }
        if (mkdir(path, Convert.ToInt32("700", 8)) == 0) return; // owner-only: the repository holds volume data
        var errno = Marshal.GetLastWin32Error();
        if (errno == EExist) return;
        if (errno == ENoEnt) throw new DirectoryNotFoundException($"Cannot create '{path}': its parent directory does not exist.");
        throw Error(errno, $"Cannot create directory '{path}'");
    }

    /// <summary>The exception .NET itself would raise for <paramref name="errno"/>, its HResult the errno.</summary>
    private static Exception Error(int errno, string what)
    {
        var message = $"{what}: {new Win32Exception(errno).Message}";
        return errno is EAcces or EPerm ? new UnauthorizedAccessException(message) : new IOException(message, errno);
    }

    /// <summary>Releases a lock taken by <see cref="TryLockFile"/>.</summary>
    public static void Unlock(int fd) => close(fd);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags, int mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mkdir(string path, int mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int flock(int fd, int operation);
}
