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
    public static IOException FromLastError(string operation, string path) => FromErrno(Marshal.GetLastPInvokeError(), operation, path);

    /// <summary>The exception for <paramref name="errno"/>: a LinuxIOException, or what .NET itself raises for a missing directory.</summary>
    public static IOException FromErrno(int errno, string operation, string path)
    {
        var message = $"{operation} failed for '{path}': {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).";
        return errno == Linux.Errno.ENOENT ? new DirectoryNotFoundException(message) { HResult = errno } : new LinuxIOException(message, errno);
    }

    /// <summary>
    /// The exception .NET's own file API raises for <paramref name="errno"/>: <see cref="UnauthorizedAccessException"/>
    /// for EACCES and EPERM (callers tell "permission denied" from other failures by type, as with .NET's errors),
    /// else <see cref="FromErrno"/>'s.
    /// </summary>
    public static Exception Like(int errno, string operation, string path) =>
        errno is Linux.Errno.EACCES or Linux.Errno.EPERM
            ? new UnauthorizedAccessException($"{operation} failed for '{path}': {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).") { HResult = errno }
            : FromErrno(errno, operation, path);
}

/// <summary>
/// The errno values the engine reacts to — the one table, for the wrappers here and for the code that classifies
/// the errno .NET reports in an IOException's HResult (identical on x86_64 and arm64).
/// </summary>
internal static class Errno
{
    internal const int EPERM = 1;
    internal const int ENOENT = 2;
    internal const int EINTR = 4;
    internal const int EIO = 5;
    internal const int ENXIO = 6;
    internal const int EWOULDBLOCK = 11;
    internal const int EACCES = 13;
    internal const int ENOTDIR = 20;
    internal const int EEXIST = 17;
    internal const int EXDEV = 18;
    internal const int EINVAL = 22;
    internal const int ENOTTY = 25;
    internal const int ENOSPC = 28;
    internal const int EROFS = 30;
    internal const int ENOSYS = 38;
    internal const int EOPNOTSUPP = 95;
    internal const int ESTALE = 116;
    internal const int EDQUOT = 122;
}
