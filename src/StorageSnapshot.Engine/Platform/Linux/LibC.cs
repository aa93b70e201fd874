using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace StorageSnapshot.Engine.Platform.Linux;

/// <summary>
/// The few Linux system calls .NET has no API for. Every caller guards with <see cref="OperatingSystem.IsLinux"/>;
/// the wrappers in this folder turn a failed call into an <see cref="LinuxIOException"/> carrying the OS's text.
/// SafeFileHandle parameters keep the descriptor alive (AddRef/Release) for the length of the call.
/// </summary>
internal static unsafe partial class LibC
{
    private const string Library = "libc";

    /// <summary>ioctl(FICLONE) for reflinks and ioctl(FS_IOC_FIEMAP) for extent maps: neither has a .NET API.</summary>
    [LibraryImport(Library, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(SafeFileHandle fd, nuint request, nint argument);

    /// <summary>The pointer form of ioctl, for requests that fill a caller's buffer (FIEMAP).</summary>
    [LibraryImport(Library, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(SafeFileHandle fd, nuint request, void* argument);

    /// <summary>lseek(SEEK_DATA/SEEK_HOLE): .NET can only seek to absolute positions, not find data extents.</summary>
    [LibraryImport(Library, EntryPoint = "lseek", SetLastError = true)]
    internal static partial long LSeek(SafeFileHandle fd, long offset, int whence);

    /// <summary>fallocate(PUNCH_HOLE): the only way to deallocate a range; .NET cannot punch holes.</summary>
    [LibraryImport(Library, EntryPoint = "fallocate", SetLastError = true)]
    internal static partial int FAllocate(SafeFileHandle fd, int mode, long offset, long length);

    /// <summary>open(2) of a directory: .NET refuses to open directories as file handles, and fsync needs one.</summary>
    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags);

    /// <summary>open(2) with a creation mode: lock files are opened as raw descriptors (see <see cref="FileLock"/>).</summary>
    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags, int mode);

    /// <summary>mkdir(2): creates one directory whose parent must exist, which Directory.CreateDirectory cannot refuse to do.</summary>
    [LibraryImport(Library, EntryPoint = "mkdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int MkDir(string path, int mode);

    /// <summary>flock(2): advisory locks that die with the process and that NFSv4 carries across hosts.</summary>
    [LibraryImport(Library, EntryPoint = "flock", SetLastError = true)]
    internal static partial int Flock(int fd, int operation);

    /// <summary>fsync(2) of a raw descriptor (a directory, after a rename or an unlink inside it).</summary>
    [LibraryImport(Library, EntryPoint = "fsync", SetLastError = true)]
    internal static partial int FSync(int fd);

    /// <summary>close(2) of a raw descriptor opened by <see cref="Open"/>.</summary>
    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    /// <summary>renameat2(RENAME_NOREPLACE): File.Move cannot refuse atomically when the target exists.</summary>
    [LibraryImport(Library, EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int RenameAt2(int oldDirectory, string oldPath, int newDirectory, string newPath, uint flags);

    /// <summary>link(2): the no-overwrite fallback where renameat2's flag is not supported by the filesystem.</summary>
    [LibraryImport(Library, EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Link(string existingPath, string newPath);

    /// <summary>statfs(2): the filesystem's magic number (XFS, btrfs), which .NET's DriveInfo does not expose.</summary>
    [LibraryImport(Library, EntryPoint = "statfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int StatFs(string path, byte* buffer);

    /// <summary>ioctl on a raw descriptor (a directory opened with <see cref="Open"/>: btrfs subvolume calls).</summary>
    [LibraryImport(Library, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(int fd, nuint request, void* argument);

    /// <summary>stat(2): device and inode numbers, which .NET does not expose (a subvolume root is inode 256).</summary>
    [LibraryImport(Library, EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Stat(string path, byte* buffer);

    /// <summary>fcntl(2) with a struct flock: F_OFD_GETLK asks who holds a lock (qemu's image locking).</summary>
    [LibraryImport(Library, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int FcntlLock(SafeFileHandle fd, int command, void* flock);

    /// <summary>
    /// sync_file_range(2) with SYNC_FILE_RANGE_WRITE: starts writeback of a file's dirty pages without waiting, so
    /// that a later fsync finds them written (.NET has only the waiting fsync).
    /// </summary>
    [LibraryImport(Library, EntryPoint = "sync_file_range", SetLastError = true)]
    internal static partial int SyncFileRange(SafeFileHandle fd, long offset, long count, uint flags);

    /// <summary>geteuid(2): subvolume deletion and btrfs send need root (CAP_SYS_ADMIN).</summary>
    [LibraryImport(Library, EntryPoint = "geteuid")]
    internal static partial uint GetEffectiveUserId();

    internal const int AtCurrentDirectory = -100;
    internal const uint RenameExchange = 2;
    internal const uint RenameNoReplace = 1;
    internal const int OpenReadOnly = 0;
    internal const int OpenWriteOnly = 1;
    internal const int OpenReadWrite = 2;
    internal const int OpenCreate = 0x40;
    internal const int OpenExclusive = 0x80;
    internal const int OpenDirectory = 0x10000;
    internal const int OpenCloseOnExec = 0x80000;
    internal const int LockShared = 1;
    internal const int LockExclusive = 2;
    internal const int LockNonBlocking = 4;
    internal const int SeekData = 3;
    internal const int SeekHole = 4;
    internal const int FallocKeepSize = 0x01;
    internal const int FallocPunchHole = 0x02;
    internal const uint SyncFileRangeWrite = 2;
}
