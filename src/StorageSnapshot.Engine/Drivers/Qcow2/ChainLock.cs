namespace StorageSnapshot.Engine.Drivers.Qcow2;

/// <summary>
/// The backend-wide lock over backing chains, a flock(2) on images/.chain.lock that every process on the host
/// sees (.NET takes LOCK_EX for <see cref="FileShare.None"/>, LOCK_SH otherwise, and the kernel drops it when the
/// process dies). Exclusive for whatever changes which file a name holds or what a layer is backed by (snapshot,
/// revert, clone, delete): the engine's volume lock covers one volume, but a clone's chain runs through another
/// volume's snapshots. Shared while a reader walks a chain and maps it, so that no layer is renamed between the
/// walk and the map. Held for the length of one driver call, never across calls.
/// </summary>
internal sealed class ChainLock : IDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(30);
    private readonly FileStream stream;

    private ChainLock(FileStream stream) => this.stream = stream;

    /// <summary>Waits (cancellably, at most 30 minutes: a merge of large layers takes a while) and takes the lock.</summary>
    public static async Task<ChainLock> AcquireAsync(string path, bool exclusive, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                var stream = new FileStream(path, Platform.FilePermissions.OwnerOnly.NewFile(FileAccess.ReadWrite,
                    exclusive ? FileShare.None : FileShare.ReadWrite, FileMode.OpenOrCreate, bufferSize: 1));
                return new ChainLock(stream);
            }
            catch (IOException) when (File.Exists(path) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => stream.Dispose();
}
