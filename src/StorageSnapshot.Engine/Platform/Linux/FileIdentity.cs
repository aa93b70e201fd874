namespace StorageSnapshot.Engine.Platform.Linux;

/// <summary>
/// The device and inode numbers of a path (stat(2)): what tells two names for one file apart from two files, and a
/// btrfs subvolume's root directory (always inode 256) from an ordinary directory. .NET exposes neither.
/// </summary>
internal readonly unsafe record struct FileIdentity(ulong Device, ulong Inode)
{
    /// <summary>The inode number of every btrfs subvolume's root directory (BTRFS_FIRST_FREE_OBJECTID).</summary>
    public const ulong BtrfsSubvolumeRootInode = 256;

    /// <summary>The identity of <paramref name="path"/> (symbolic links followed); null when it does not exist.</summary>
    public static FileIdentity? Of(string path)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("stat(2) device and inode numbers are read on Linux only.");
        // struct stat is 144 bytes on x86_64 and 128 on arm64; st_dev and st_ino are its first two 64-bit fields on both.
        var buffer = stackalloc byte[256];
        if (LibC.Stat(path, buffer) != 0)
        {
            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno is Errno.ENOENT or Errno.ENOTDIR) return null;
            throw LinuxIOException.FromErrno(errno, "stat", path);
        }
        return new FileIdentity(*(ulong*)buffer, *(ulong*)(buffer + 8));
    }
}
