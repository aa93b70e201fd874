using System.IO.Pipes;
using System.Runtime.InteropServices;
using System.Text;

namespace StorageSnapshot.Engine.Platform.Linux;

/// <summary>
/// The btrfs ioctls the btrfs driver needs (linux/btrfs.h), called directly instead of spawning <c>btrfs</c> for
/// each: subvolume create, snapshot create (read-only or writable), subvolume delete, the subvolume id of a path,
/// the read-only flag, and SEND. Every call opens the directories it works on by path and closes them again; a
/// failed call throws <see cref="LinuxIOException"/> naming the path and carrying the kernel's words.
/// </summary>
internal static class BtrfsIoctls
{
    // _IOW(0x94, 14, struct btrfs_ioctl_vol_args), 4096 bytes.
    private const nuint SubvolumeCreate = 0x5000940E;
    // _IOW(0x94, 15, struct btrfs_ioctl_vol_args).
    private const nuint SnapshotDestroy = 0x5000940F;
    // _IOWR(0x94, 18, struct btrfs_ioctl_ino_lookup_args), 4096 bytes.
    private const nuint InodeLookup = 0xD0009412;
    // _IOW(0x94, 23, struct btrfs_ioctl_vol_args_v2), 4096 bytes.
    private const nuint SnapshotCreateV2 = 0x50009417;
    // _IOR(0x94, 25, __u64).
    private const nuint SubvolumeGetFlags = 0x80089419;
    // _IOW(0x94, 38, struct btrfs_ioctl_send_args), 72 bytes on 64-bit kernels.
    private const nuint Send = 0x40489426;

    private const ulong SubvolumeReadOnly = 1UL << 1;
    private const ulong SendNoFileData = 0x1;
    private const int VolumeArgsSize = 4096;
    private const int VolumeArgsNameOffset = 8;
    private const int VolumeArgsNameMax = 4087;
    private const int VolumeArgsV2NameOffset = 56;
    private const int VolumeArgsV2NameMax = 4039;

    /// <summary>Creates the empty subvolume <paramref name="name"/> in the directory <paramref name="parent"/>.</summary>
    public static unsafe void CreateSubvolume(string parent, string name)
    {
        var args = stackalloc byte[VolumeArgsSize];
        new Span<byte>(args, VolumeArgsSize).Clear();
        WriteName(args + VolumeArgsNameOffset, VolumeArgsNameMax, name);
        using var directory = OpenDirectory(parent);
        if (LibC.Ioctl(directory.Fd, SubvolumeCreate, args) != 0)
            throw LinuxIOException.FromLastError("create btrfs subvolume", Path.Combine(parent, name));
    }

    /// <summary>
    /// Snapshots the subvolume <paramref name="source"/> as <paramref name="name"/> in <paramref name="parent"/>,
    /// read-only or writable, in one btrfs transaction: the snapshot exists whole or not at all. Returns false
    /// when a file or subvolume of that name exists already.
    /// </summary>
    public static unsafe bool TryCreateSnapshot(string source, string parent, string name, bool readOnly)
    {
        var args = stackalloc byte[VolumeArgsSize];
        new Span<byte>(args, VolumeArgsSize).Clear();
        WriteName(args + VolumeArgsV2NameOffset, VolumeArgsV2NameMax, name);
        using var sourceDirectory = OpenDirectory(source);
        using var parentDirectory = OpenDirectory(parent);
        *(long*)args = sourceDirectory.Fd;
        *(ulong*)(args + 16) = readOnly ? SubvolumeReadOnly : 0;
        if (LibC.Ioctl(parentDirectory.Fd, SnapshotCreateV2, args) == 0) return true;
        var errno = Marshal.GetLastPInvokeError();
        if (errno == Errno.EEXIST) return false;
        throw LinuxIOException.FromErrno(errno, $"snapshot btrfs subvolume '{source}' as", Path.Combine(parent, name));
    }

    /// <summary>
    /// Deletes the subvolume <paramref name="name"/> of <paramref name="parent"/> with everything in it (root or
    /// CAP_SYS_ADMIN, or a filesystem mounted with user_subvol_rm_allowed). Returns false when it does not exist.
    /// </summary>
    public static unsafe bool DeleteSubvolume(string parent, string name)
    {
        var args = stackalloc byte[VolumeArgsSize];
        new Span<byte>(args, VolumeArgsSize).Clear();
        WriteName(args + VolumeArgsNameOffset, VolumeArgsNameMax, name);
        using var directory = OpenDirectory(parent, missingIsNull: true);
        if (directory.Fd < 0) return false;
        if (LibC.Ioctl(directory.Fd, SnapshotDestroy, args) == 0) return true;
        var errno = Marshal.GetLastPInvokeError();
        if (errno == Errno.ENOENT) return false;
        throw LinuxIOException.FromErrno(errno, "delete btrfs subvolume", Path.Combine(parent, name));
    }

    /// <summary>The id of the subvolume holding <paramref name="path"/> (its root tree id).</summary>
    public static unsafe ulong SubvolumeId(string path)
    {
        var args = stackalloc byte[VolumeArgsSize];
        new Span<byte>(args, VolumeArgsSize).Clear();
        *(ulong*)(args + 8) = FileIdentity.BtrfsSubvolumeRootInode; // objectid; treeid 0 = the fd's own tree
        using var directory = OpenDirectory(path);
        if (LibC.Ioctl(directory.Fd, InodeLookup, args) != 0) throw LinuxIOException.FromLastError("look up btrfs subvolume id", path);
        return *(ulong*)args;
    }

    /// <summary>True when the subvolume <paramref name="path"/> is read-only.</summary>
    public static unsafe bool IsReadOnly(string path)
    {
        ulong flags = 0;
        using var directory = OpenDirectory(path);
        if (LibC.Ioctl(directory.Fd, SubvolumeGetFlags, &flags) != 0) throw LinuxIOException.FromLastError("read btrfs subvolume flags", path);
        return (flags & SubvolumeReadOnly) != 0;
    }

    /// <summary>
    /// Runs BTRFS_IOC_SEND of the read-only subvolume <paramref name="snapshot"/> against the read-only subvolume
    /// <paramref name="parentId"/>, without file data (NO_FILE_DATA: writes become UPDATE_EXTENT commands), and
    /// hands the stream to <paramref name="read"/> as the kernel writes it into a pipe. The ioctl blocks on the pipe,
    /// so it runs on a thread of its own; if <paramref name="read"/> stops early the pipe is closed and the kernel's
    /// write fails, which ends the ioctl. Needs CAP_SYS_ADMIN.
    /// </summary>
    public static async Task<T> SendWithoutDataAsync<T>(string snapshot, ulong parentId, Func<Stream, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        var pipe = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.None);
        var writeEnd = (int)pipe.ClientSafePipeHandle.DangerousGetHandle();
        var sender = Task.Factory.StartNew(() =>
        {
            try
            {
                RunSend(snapshot, writeEnd, parentId);
            }
            finally
            {
                // The reader sees the end of the stream once the kernel is done and this end is closed.
                pipe.DisposeLocalCopyOfClientHandle();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        T result;
        try
        {
            result = await read(pipe, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await pipe.DisposeAsync().ConfigureAwait(false);
            try
            {
                await sender.ConfigureAwait(false);
            }
            catch (IOException)
            {
                // EPIPE after the read side gave up: the read side's exception is the one that matters.
            }
            throw;
        }
        await pipe.DisposeAsync().ConfigureAwait(false);
        await sender.ConfigureAwait(false);
        return result;
    }

    private static unsafe void RunSend(string snapshot, int sendFd, ulong parentId)
    {
        using var directory = OpenDirectory(snapshot);
        var args = stackalloc byte[72];
        new Span<byte>(args, 72).Clear();
        *(long*)args = sendFd;
        *(ulong*)(args + 24) = parentId;
        *(ulong*)(args + 32) = SendNoFileData;
        if (LibC.Ioctl(directory.Fd, Send, args) != 0) throw LinuxIOException.FromLastError("btrfs send (no data)", snapshot);
    }

    private static unsafe void WriteName(byte* destination, int maximum, string name)
    {
        if (name.Length == 0 || name.Contains('/') || name is "." or "..")
            throw new ArgumentException($"'{name}' is not a single path component.", nameof(name));
        var bytes = Encoding.UTF8.GetBytes(name);
        if (bytes.Length > maximum) throw new ArgumentException($"The name '{name}' is longer than btrfs allows ({maximum} bytes).", nameof(name));
        bytes.CopyTo(new Span<byte>(destination, bytes.Length));
    }

    private static DirectoryDescriptor OpenDirectory(string path, bool missingIsNull = false)
    {
        var fd = LibC.Open(path, LibC.OpenReadOnly | LibC.OpenCloseOnExec);
        if (fd >= 0) return new DirectoryDescriptor(fd);
        var errno = Marshal.GetLastPInvokeError();
        if (missingIsNull && errno is Errno.ENOENT or Errno.ENOTDIR) return new DirectoryDescriptor(-1);
        throw LinuxIOException.FromErrno(errno, "open", path);
    }

    /// <summary>A raw descriptor closed on dispose (-1: nothing was opened).</summary>
    private readonly struct DirectoryDescriptor(int fd) : IDisposable
    {
        public int Fd { get; } = fd;

        public void Dispose()
        {
            if (Fd >= 0) LibC.Close(Fd);
        }
    }
}
