namespace StorageSnapshot.Engine.Inventory;

/// <summary>
/// The exclusive locks operations hold on a volume (or a secondary storage) while they run, and that
/// dead-operation detection tests. A lock dies with its holder — the process for the host's lock files, the
/// database session for PostgreSQL's advisory locks — so no crash ever leaves one taken. Keys are the
/// case-insensitive keys of Operations.VolumeLock (KeyFor, KeyForSecondaryStorage).
/// </summary>
internal interface IOperationLocks
{
    /// <summary>
    /// True when every host sharing the inventory sees these locks (PostgreSQL); false when only the processes
    /// of this host do (lock files): then a Running entry of another host cannot be judged dead from here.
    /// </summary>
    bool SpanHosts { get; }

    /// <summary>Takes the lock if nobody holds it; null when another holder (this process included) has it.</summary>
    Task<IAsyncDisposable?> TryAcquireAsync(string key, CancellationToken cancellationToken);

    /// <summary>Takes the lock, waiting up to <paramref name="timeout"/>; null when it is still held then.</summary>
    Task<IAsyncDisposable?> AcquireAsync(string key, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Who holds the lock, as far as the lock itself can tell (a process on a host), or null.</summary>
    Task<string?> DescribeHolderAsync(string key, CancellationToken cancellationToken);
}

/// <summary>An inventory that brings its own operation locks (one shared by several hosts).</summary>
internal interface IInventoryWithLocks
{
    /// <summary>The locks every host of this inventory sees.</summary>
    IOperationLocks Locks { get; }
}
