using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace StorageSnapshot.Engine.Platform.Linux;

/// <summary>FICLONE: makes one file share all of another's extents (XFS, btrfs, bcachefs, ...) in milliseconds.</summary>
internal static class Reflink
{
    // _IOW(0x94, 9, int)
    private const nuint Ficlone = 0x40049409;

    /// <summary>
    /// Clones all of <paramref name="source"/> into the empty <paramref name="destination"/>. Returns false when
    /// the filesystem cannot reflink (the caller copies instead); throws on any other failure.
    /// </summary>
    public static bool TryClone(SafeFileHandle destination, SafeFileHandle source, string destinationPath)
    {
        if (!OperatingSystem.IsLinux()) return false;
        var addedRef = false;
        try
        {
            source.DangerousAddRef(ref addedRef);
            if (LibC.Ioctl(destination, Ficlone, source.DangerousGetHandle()) == 0) return true;
            var errno = Marshal.GetLastPInvokeError();
            // EOPNOTSUPP: no reflink on this filesystem; EXDEV: different filesystems; EINVAL/ENOTTY: the
            // filesystem or file type does not know the ioctl at all.
            if (errno is Errno.EOPNOTSUPP or Errno.EXDEV or Errno.EINVAL or Errno.ENOTTY) return false;
            throw LinuxIOException.FromErrno(errno, "Reflink (FICLONE)", destinationPath);
        }
        finally
        {
            if (addedRef) source.DangerousRelease();
        }
    }
}
