using System.Runtime.InteropServices;

namespace StorageSnapshot.Engine.Drivers.CephRbd;

/// <summary>
/// A librados/librbd call that failed: the errno it returned, what was being done and to which object. The engine
/// turns it into DriverFailed naming the backend and the operation; the message here names the call, the object's
/// Location, the errno with its text, and what it usually means on a Ceph cluster.
/// </summary>
internal sealed class CephException : IOException
{
    public CephException(int errno, string message)
        : base(message)
    {
        Errno = errno;
    }

    /// <summary>The positive errno (ENOENT = 2, ...).</summary>
    public int Errno { get; }
}

/// <summary>Builds <see cref="CephException"/>s from negative return codes.</summary>
internal static class CephError
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EIO = 5;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int EXDEV = 18;
    public const int EINVAL = 22;
    public const int ENOSPC = 28;
    public const int EROFS = 30;
    public const int ERANGE = 34;
    public const int ENOTEMPTY = 39;
    public const int ENODATA = 61;
    public const int EOPNOTSUPP = 95;
    public const int ENOTCONN = 107;
    public const int ESHUTDOWN = 108;
    public const int ETIMEDOUT = 110;
    public const int ECONNREFUSED = 111;
    public const int EDQUOT = 122;
    public const int ECANCELED = 125;

    /// <summary>Throws unless <paramref name="result"/> is 0 or positive.</summary>
    public static int Check(long result, string call, string what, string? user = null)
    {
        if (result >= 0) return (int)Math.Min(result, int.MaxValue);
        throw From((int)-result, call, what, user);
    }

    /// <summary>"rbd_snap_create (take snapshot X of rbd:pool/image) failed: ENOENT (No such file or directory): ..."</summary>
    public static CephException From(int errno, string call, string what, string? user = null)
    {
        var meaning = Meaning(errno, user);
        return new CephException(errno, $"{call} ({what}) failed: {Name(errno)} ({Marshal.GetPInvokeErrorMessage(errno)}){(meaning is null ? "." : ": " + meaning)}");
    }

    /// <summary>The errno's symbolic name (ETIMEDOUT), or its number.</summary>
    public static string Name(int errno) => errno switch
    {
        EPERM => "EPERM",
        ENOENT => "ENOENT",
        EIO => "EIO",
        EACCES => "EACCES",
        EBUSY => "EBUSY",
        EEXIST => "EEXIST",
        EXDEV => "EXDEV",
        EINVAL => "EINVAL",
        ENOSPC => "ENOSPC",
        EROFS => "EROFS",
        ERANGE => "ERANGE",
        ENOTEMPTY => "ENOTEMPTY",
        ENODATA => "ENODATA",
        EOPNOTSUPP => "EOPNOTSUPP",
        ENOTCONN => "ENOTCONN",
        ESHUTDOWN => "ESHUTDOWN",
        ETIMEDOUT => "ETIMEDOUT",
        ECONNREFUSED => "ECONNREFUSED",
        EDQUOT => "EDQUOT",
        ECANCELED => "ECANCELED",
        _ => "errno " + errno,
    };

    /// <summary>What an errno usually means from librbd, in words a user can act on.</summary>
    private static string? Meaning(int errno, string? user) => errno switch
    {
        ENOENT => "it does not exist (removed outside StorageSnapshot, or a wrong pool or namespace?)",
        EACCES or EPERM => $"the cluster refused it: wrong key, or the cephx user{(user is null ? "" : $" 'client.{user}'")} lacks the capabilities (it needs 'profile rbd' on the pool; see `ceph auth get client.{user ?? "<user>"}`)",
        ETIMEDOUT => "the cluster did not answer in time (monitors or OSDs down or overloaded? see `ceph -s`); the request may still complete in the cluster",
        EEXIST => "it already exists",
        EBUSY => "it is in use: another client has the image open or holds its exclusive lock, or the snapshot is protected or has clones",
        ENOTEMPTY => "the image still has snapshots",
        ENOSPC or EDQUOT => "the pool is full or over its quota (see `ceph df` and `ceph osd pool get-quota`)",
        EROFS => "the image or snapshot is read-only here",
        ESHUTDOWN => "this client was blocklisted by the cluster or is shutting down; a new session is needed",
        ENOTCONN or ECONNREFUSED => "the cluster could not be reached",
        EOPNOTSUPP => "the cluster or the image's features do not support it",
        EIO => "the cluster reported an I/O error",
        _ => null,
    };
}
