using System.Security.Cryptography;
using System.Text;

namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// An exclusive lock on one volume (or one secondary storage, <see cref="KeyForSecondaryStorage"/>), shared by every process on the host: an OS file lock on a file in the
/// engine's lock directory. On Linux and macOS .NET takes <c>flock(LOCK_EX | LOCK_NB)</c> when a file is opened
/// with <see cref="FileShare.None"/>; on Windows the share mode itself excludes other openers. Either way the
/// kernel drops the lock when the process dies — no row or file is ever left "locked" by a crash.
/// The lock is not re-entrant: a second acquire in the same process (another open file description) is refused
/// like one from another process.
/// </summary>
/// <remarks>
/// Lock files are never deleted: deleting one while another process waits on it would let two holders lock two
/// different inodes. Setting DOTNET_SYSTEM_IO_DISABLEFILELOCKING disables .NET's flock and therefore this lock.
/// </remarks>
internal sealed class VolumeLock : IDisposable
{
    private readonly FileStream stream;

    private VolumeLock(string key, string filePath, FileStream stream)
    {
        Key = key;
        FilePath = filePath;
        this.stream = stream;
    }

    /// <summary>What is locked, for example "lab/db01".</summary>
    public string Key { get; }

    /// <summary>The lock file.</summary>
    public string FilePath { get; }

    /// <summary>The key of a volume: backend and volume name, case-insensitive like the names themselves.</summary>
    public static string KeyFor(string backend, string volume) => $"{backend}/{volume}".ToLowerInvariant();

    /// <summary>
    /// The key of a secondary storage, which operations on the storage alone (a copy removal) hold: '@' cannot
    /// start a backend name, so it never equals a volume's key.
    /// </summary>
    public static string KeyForSecondaryStorage(string name) => $"@secondary/{name}".ToLowerInvariant();

    /// <summary>
    /// The lock file's name for <paramref name="key"/>: a readable part (characters outside [a-z0-9_-]
    /// replaced by '_') plus a hash of the whole key, so that distinct keys never share a file and no key can name a
    /// path outside the lock directory.
    /// </summary>
    public static string FileNameFor(string key)
    {
        var readable = new StringBuilder(Math.Min(key.Length, 80));
        foreach (var c in key.ToLowerInvariant().Take(80))
            readable.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' ? c : '_');
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key.ToLowerInvariant())), 0, 8).ToLowerInvariant();
        return $"volume-{readable}-{hash}.lock";
    }

    /// <summary>Takes the lock if nobody holds it; null when another holder (any process, this one included) has it.</summary>
    public static VolumeLock? TryAcquire(string lockDirectory, string key)
    {
        // Owner-only, folder and files: a lock file's name tells which backend and volume exist.
        Platform.FilePermissions.OwnerOnly.CreateDirectory(lockDirectory);
        var path = Path.Combine(lockDirectory, FileNameFor(key));
        try
        {
            var stream = new FileStream(path, Platform.FilePermissions.OwnerOnly.NewFile(FileAccess.ReadWrite, FileShare.None, FileMode.OpenOrCreate, bufferSize: 1));
            return new VolumeLock(key, path, stream);
        }
        catch (IOException ex) when (IsHeldElsewhere(ex))
        {
            return null;
        }
    }

    /// <summary>
    /// Takes the lock, waiting up to <paramref name="timeout"/> (polling with a short backoff); null when it is
    /// still held then. Cancellation throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public static async Task<VolumeLock?> AcquireAsync(string lockDirectory, string key, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(10);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var acquired = TryAcquire(lockDirectory, key);
            if (acquired is not null) return acquired;

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return null;
            await Task.Delay(delay < left ? delay : left, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 250));
        }
    }

    /// <summary>Releases the lock (closing the file releases the OS lock).</summary>
    public void Dispose() => stream.Dispose();

    // Unix: EWOULDBLOCK (11 on Linux, 35 on macOS) from flock. Windows: ERROR_SHARING_VIOLATION / ERROR_LOCK_VIOLATION.
    // Anything else (no permission, disk gone) is a real failure and must not be mistaken for "busy".
    private static bool IsHeldElsewhere(IOException ex) =>
        ex.GetType() == typeof(IOException)
        && ex.HResult is 11 or 35 or unchecked((int)0x80070020) or unchecked((int)0x80070021);
}
