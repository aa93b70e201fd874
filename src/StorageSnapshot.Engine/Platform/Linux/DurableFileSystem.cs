using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace StorageSnapshot.Engine.Platform.Linux;

/// <summary>
/// Directory-level durability, atomic no-overwrite renames and directories that are never made implicitly. A
/// rename or unlink is durable only once the directory holding it is fsynced; .NET has no call for either.
/// </summary>
internal static class DurableFileSystem
{
    /// <summary>fsyncs a directory so that renames, creations and unlinks inside it survive a power cut.</summary>
    public static void SyncDirectory(string directory)
    {
        // Windows and macOS: no portable way to fsync a directory from .NET; NTFS/APFS journal metadata anyway.
        if (!OperatingSystem.IsLinux()) return;
        var fd = LibC.Open(directory, LibC.OpenReadOnly | LibC.OpenDirectory | LibC.OpenCloseOnExec);
        if (fd < 0) throw LinuxIOException.Like(Marshal.GetLastPInvokeError(), "open directory for fsync", directory);
        try
        {
            if (LibC.FSync(fd) != 0) throw LinuxIOException.Like(Marshal.GetLastPInvokeError(), "fsync directory", directory);
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    /// <summary>
    /// Asks the kernel to start writing <paramref name="length"/> bytes at <paramref name="offset"/> of a file to
    /// its device now, without waiting (sync_file_range WRITE; a length of 0 means to the end of the file). Only a
    /// hint that makes a later fsync short — it promises no durability — so it is skipped off Linux and where the
    /// filesystem refuses it.
    /// </summary>
    public static void StartWriteback(SafeFileHandle file, long offset, long length)
    {
        if (!OperatingSystem.IsLinux()) return;
        _ = LibC.SyncFileRange(file, offset, length, LibC.SyncFileRangeWrite);
    }

    /// <summary>
    /// Creates one directory, owner-only (0700), whose parent must exist (mkdir, not mkdir -p): a repository that
    /// vanished — a share unmounted under a running copy — must fail the copy, not be re-created on the mount
    /// point. Succeeds if the directory exists. A missing parent is <see cref="DirectoryNotFoundException"/>.
    /// </summary>
    public static void CreateDirectoryInExistingParent(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            if (!Directory.Exists(Path.GetDirectoryName(path))) throw new DirectoryNotFoundException($"'{Path.GetDirectoryName(path)}' does not exist.");
            Directory.CreateDirectory(path);
            return;
        }
        if (LibC.MkDir(path, Convert.ToInt32("700", 8)) == 0) return;
        var errno = Marshal.GetLastPInvokeError();
        if (errno == Errno.EEXIST) return;
        throw LinuxIOException.Like(errno, "mkdir (its parent must exist)", path);
    }

    /// <summary>
    /// Renames <paramref name="source"/> to <paramref name="target"/> atomically unless the target exists.
    /// Returns false (and leaves the source in place) when it does.
    /// </summary>
    public static bool TryRenameNoReplace(string source, string target)
    {
        if (!OperatingSystem.IsLinux())
        {
            // .NET on Unix links then unlinks (atomic refusal); on Windows MoveFileEx without REPLACE_EXISTING.
            try
            {
                File.Move(source, target, overwrite: false);
                return true;
            }
            catch (IOException) when (File.Exists(target))
            {
                return false;
            }
        }

        if (LibC.RenameAt2(LibC.AtCurrentDirectory, source, LibC.AtCurrentDirectory, target, LibC.RenameNoReplace) == 0) return true;
        var errno = Marshal.GetLastPInvokeError();
        if (errno == Errno.EEXIST) return false;
        if (errno is not (Errno.EINVAL or Errno.ENOSYS)) throw LinuxIOException.FromErrno(errno, $"rename to '{target}'", source);

        // The filesystem does not support RENAME_NOREPLACE: link(2) refuses an existing target just as atomically.
        if (LibC.Link(source, target) != 0)
        {
            var linkErrno = Marshal.GetLastPInvokeError();
            if (linkErrno == Errno.EEXIST) return false;
            throw LinuxIOException.FromErrno(linkErrno, $"link to '{target}'", source);
        }
        File.Delete(source);
        return true;
    }

    /// <summary>
    /// Swaps two names atomically (renameat2(RENAME_EXCHANGE)): each now names what the other did, and there is no
    /// moment at which either name is missing. Works for directories and btrfs subvolumes alike.
    /// </summary>
    public static void Exchange(string first, string second)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("renameat2(RENAME_EXCHANGE) exists only on Linux.");
        if (LibC.RenameAt2(LibC.AtCurrentDirectory, first, LibC.AtCurrentDirectory, second, LibC.RenameExchange) != 0)
            throw LinuxIOException.FromLastError($"exchange with '{second}' (renameat2 RENAME_EXCHANGE)", first);
    }
}
