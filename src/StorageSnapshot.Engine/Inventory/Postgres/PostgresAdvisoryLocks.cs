using Npgsql;

namespace StorageSnapshot.Engine.Inventory.Postgres;

/// <summary>
/// Operation locks every host sharing the database sees: a session-level advisory lock (pg_try_advisory_lock) per
/// key, each held by a session of its own. The server drops it when that session ends — the holder closing it, its
/// process killed (the socket closes), its host gone (TCP keepalives, <see cref="PostgresConnection.ForLocks"/>) —
/// as the kernel drops a lock file's flock when a process dies. Not re-entrant, like the lock files: a second
/// acquire of a held key, in this process too, is refused.
/// </summary>
internal sealed class PostgresAdvisoryLocks(string connectionString, string where) : IOperationLocks
{
    /// <inheritdoc />
    public bool SpanHosts => true;

    /// <inheritdoc />
    public async Task<IAsyncDisposable?> TryAcquireAsync(string key, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (await TryLockAsync(connection, key, cancellationToken).ConfigureAwait(false)) return new Held(connection, key);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        await connection.DisposeAsync().ConfigureAwait(false);
        return null;
    }

    /// <inheritdoc />
    public async Task<IAsyncDisposable?> AcquireAsync(string key, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Polled like the lock files (not pg_advisory_lock with a lock_timeout): the same backoff, and the wait
        // is cancelled by the caller's token at once.
        var deadline = DateTime.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(10);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (await TryLockAsync(connection, key, cancellationToken).ConfigureAwait(false)) return new Held(connection, key);
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                    return null;
                }
                await Task.Delay(delay < left ? delay : left, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 250));
            }
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public async Task<string?> DescribeHolderAsync(string key, CancellationToken cancellationToken)
    {
        var id = PostgresKeys.OfOperationLock(key);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // A bigint advisory key shows in pg_locks as classid (high 32 bits), objid (low 32 bits), objsubid 1.
            await using var command = new NpgsqlCommand("""
                SELECT a.application_name, host(a.client_addr), a.pid
                FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
                  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                  AND l.classid::bigint = @high AND l.objid::bigint = @low
                LIMIT 1
                """, connection);
            command.Parameters.AddWithValue("high", (long)(uint)(id >> 32));
            command.Parameters.AddWithValue("low", (long)(uint)id);
            try
            {
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
                var application = reader.IsDBNull(0) ? "" : reader.GetString(0);
                var client = reader.IsDBNull(1) ? "a local socket" : reader.GetString(1);
                var process = application.StartsWith(PostgresConnection.ApplicationName + " ", StringComparison.Ordinal)
                    ? application[(PostgresConnection.ApplicationName.Length + 1)..]
                    : $"'{application}'";
                return $"{process}, connected from {client}, server pid {reader.GetInt32(2)}";
            }
            catch (NpgsqlException e)
            {
                throw PostgresErrors.Failed(where, e);
            }
        }
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (Exception e) when (e is NpgsqlException or IOException or System.Net.Sockets.SocketException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw PostgresErrors.Failed(where, e);
        }
    }

    private async Task<bool> TryLockAsync(NpgsqlConnection connection, string key, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
        command.Parameters.AddWithValue("key", PostgresKeys.OfOperationLock(key));
        try
        {
            return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        catch (NpgsqlException e)
        {
            throw PostgresErrors.Failed(where, e);
        }
    }

    /// <summary>A held lock: closing its session releases it (the explicit unlock first is only politeness).</summary>
    private sealed class Held(NpgsqlConnection connection, string key) : IAsyncDisposable
    {
        private int _disposed;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            try
            {
                await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
                command.Parameters.AddWithValue("key", PostgresKeys.OfOperationLock(key));
                await command.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException)
            {
                // The session is gone already (the server restarted): so is the lock.
            }
            finally
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
