using Npgsql;

namespace StorageSnapshot.Engine.Inventory.Postgres;

/// <summary>
/// Operation locks every host sharing the database sees: a session-level advisory lock (pg_try_advisory_lock) per
/// key, held by this process's lock session for that database (<see cref="PostgresLockSession"/>). The server drops
/// the locks when that session ends — its process killed (the socket closes), its host gone (TCP keepalives,
/// <see cref="PostgresConnection.ForLocks"/>), the server restarted — as the kernel drops a lock file's flock when a
/// process dies. Not re-entrant, like the lock files: a second acquire of a held key, in this process too, is refused.
/// </summary>
internal sealed class PostgresAdvisoryLocks(string connectionString, string where) : IOperationLocks
{
    private readonly PostgresLockSession _session = PostgresLockSession.For(connectionString, where);

    /// <inheritdoc />
    public bool SpanHosts => true;

    /// <inheritdoc />
    public Task<IAsyncDisposable?> TryAcquireAsync(string key, CancellationToken cancellationToken) =>
        _session.TryLockAsync(PostgresKeys.OfOperationLock(key), cancellationToken);

    /// <inheritdoc />
    public async Task<IAsyncDisposable?> AcquireAsync(string key, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Polled like the lock files (not pg_advisory_lock with a lock_timeout, which would keep the one session busy
        // for the whole wait): the same backoff, and the wait is cancelled by the caller's token at once.
        var id = PostgresKeys.OfOperationLock(key);
        var deadline = DateTime.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(10);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await _session.TryLockAsync(id, cancellationToken).ConfigureAwait(false) is { } held) return held;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return null;
            await Task.Delay(delay < left ? delay : left, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 250));
        }
    }

    /// <inheritdoc />
    public Task<string?> DescribeHolderAsync(string key, CancellationToken cancellationToken) =>
        _session.DescribeHolderAsync(PostgresKeys.OfOperationLock(key), cancellationToken);
}
