using System.Runtime.InteropServices;

namespace StorageSnapshot.Engine.Platform.Linux;

/// <summary>A failed Linux system call: the message names what was being done and carries the OS's own words.</summary>
internal sealed class LinuxIOException : IOException
{
    private LinuxIOException(string message, int errno) : base(message)
    {
        Errno = errno;
        HResult = errno;
    }

    /// <summary>The errno value.</summary>
    public int Errno { get; }

    /// <summary>The exception for the last P/Invoke's errno.</summary>
    public static LinuxIOException FromLastError(string operation, string path) => FromErrno(Marshal.GetLastPInvokeError(), operation, path);

    /// <summary>The exception for <paramref name="errno"/>.</summary>
    public static LinuxIOException FromErrno(int errno, string operation, string path) =>
        new($"{operation} failed for '{path}': {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);
}

/// <summary>errno values the wrappers react to (identical on x86_64 and arm64).</summary>
internal static class Errno
{
    internal const int EPERM = 1;
    internal const int ENOENT = 2;
    internal const int ENXIO = 6;
    internal const int EACCES = 13;
    internal const int ENOTDIR = 20;
    internal const int ENOSPC = 28;
    internal const int EXDEV = 18;
    internal const int EEXIST = 17;
    internal const int EINVAL = 22;
    internal const int ENOTTY = 25;
    internal const int ENOSYS = 38;
    internal const int EOPNOTSUPP = 95;
}
