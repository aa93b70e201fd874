using System.Collections.Concurrent;
using Npgsql;

namespace StorageSnapshot.Engine.Inventory.Postgres;

/// <summary>
/// The one database session in which this process holds its operation locks on one database (one per connection
/// string), opened on first use and kept for the life of the process, like a pooled connection.
/// <para>
/// Why one session, not one per lock: a session of its own per lock cost every operation a server backend started
/// (fork, catalog caches) and a SCRAM-SHA-256 authentication (PBKDF2 on both ends), which measured as most of the
/// server's CPU per created snapshot. One session keeps what the locks need: it is unpooled (closing it ends the server
/// session), it ends with its process — killed, the socket closes; its host gone, TCP keepalives — and with it every
/// lock it held, as the kernel drops a lock file's flock when its process dies.
/// </para>
/// <para>
/// Advisory locks are re-entrant within a session, lock files are not: the keys this process holds are kept here, and a
/// second acquire of one of them — in this process too — is refused. Commands run one at a time on the connection. When
/// the session breaks (the server restarted, the connection cut) its locks are gone with it; the next use opens a new
/// session, and a holder's later release of a lock of the old session does nothing (it would otherwise free a lock
/// another holder took since).
/// </para>
/// <para>
/// A session that holds nothing for <see cref="IdleTimeout"/> is closed (the next lock opens a new one): a long-lived
/// PowerShell session keeps no idle server connection, and a process whose database was dropped keeps no dead socket.
/// </para>
/// </summary>
internal sealed class PostgresLockSession
{
    private static readonly ConcurrentDictionary<string, PostgresLockSession> Sessions = new(StringComparer.Ordinal);

    private readonly string _connectionString;
    private readonly string _where;
    private readonly SemaphoreSlim _gate = new(1, 1);
    // The keys this process holds, each with the generation of the session that took it.
    private readonly Dictionary<long, int> _held = new();
    private NpgsqlConnection? _connection;
    private int _generation;
    private long _lastUsed = Environment.TickCount64;
    private Timer? _idleCheck;

    private PostgresLockSession(string connectionString, string where)
    {
        _connectionString = connectionString;
        _where = where;
    }

    /// <summary>How long a session that holds no lock stays open after its last use.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(60);

    /// <summary>This process's lock session for the (unpooled, <see cref="PostgresConnection.ForLocks"/>) connection string.</summary>
    public static PostgresLockSession For(string connectionString, string where) =>
        Sessions.GetOrAdd(connectionString, _ => new PostgresLockSession(connectionString, where));

    /// <summary>How many server sessions this object has opened (tests: one for many locks).</summary>
    internal int SessionsOpened { get; private set; }

    /// <summary>Takes the lock <paramref name="id"/> if nobody — this process included — holds it; null otherwise.</summary>
    public async Task<IAsyncDisposable?> TryLockAsync(long id, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_held.ContainsKey(id)) return null;
            cancellationToken.ThrowIfCancellationRequested();
            // Not cancellable once sent (pg_try_advisory_lock never waits): a cancel racing the answer could leave the
            // lock taken on the server and unknown here — held until the process ends.
            var taken = await WithSessionAsync(connection => ScalarAsync<bool>(connection, "SELECT pg_try_advisory_lock(@key)", id)).ConfigureAwait(false);
            if (!taken) return null;
            _held[id] = _generation;
            return new Held(this, id, _generation);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Who holds the lock <paramref name="id"/> (a process on a host, from its session's application name), or null.</summary>
    public async Task<string?> DescribeHolderAsync(long id, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await WithSessionAsync(async connection =>
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
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
                var application = reader.IsDBNull(0) ? "" : reader.GetString(0);
                var client = reader.IsDBNull(1) ? "a local socket" : reader.GetString(1);
                var process = application.StartsWith(PostgresConnection.ApplicationName + " ", StringComparison.Ordinal)
                    ? application[(PostgresConnection.ApplicationName.Length + 1)..]
                    : $"'{application}'";
                return $"{process}, connected from {client}, server pid {reader.GetInt32(2)}";
            }).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Releases a lock this process took, unless the session that took it has ended (and released it) since.</summary>
    private async ValueTask ReleaseAsync(long id, int generation)
    {
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (!_held.TryGetValue(id, out var heldIn) || heldIn != generation) return;
            _held.Remove(id);
            _lastUsed = Environment.TickCount64;
            if (_connection is null) return;
            try
            {
                await ScalarAsync<bool>(_connection, "SELECT pg_advisory_unlock(@key)", id).ConfigureAwait(false);
            }
            catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException or System.Net.Sockets.SocketException)
            {
                // The session broke (its locks are gone with it), or — never seen — the unlock failed on a live session:
                // ending the session is then the only way to be sure the lock is not left held until the process ends.
                await EndSessionAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the session (opened if need be). A session found broken — the server restarted
    /// since its last use — is replaced once and the work run again: its locks are gone already, whatever is done.
    /// </summary>
    private async Task<T> WithSessionAsync<T>(Func<NpgsqlConnection, Task<T>> work)
    {
        _lastUsed = Environment.TickCount64;
        for (var attempt = 1; ; attempt++)
        {
            var reused = _connection is not null;
            try
            {
                var connection = await OpenAsync().ConfigureAwait(false);
                return await work(connection).ConfigureAwait(false);
            }
            catch (Exception e) when (e is NpgsqlException or IOException or System.Net.Sockets.SocketException)
            {
                var lost = PostgresErrors.IsConnectionLoss(e) || _connection?.State is not System.Data.ConnectionState.Open;
                if (lost) await EndSessionAsync().ConfigureAwait(false);
                if (lost && reused && attempt == 1) continue;
                throw PostgresErrors.Failed(_where, e);
            }
        }
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        if (_connection is { State: System.Data.ConnectionState.Open } open) return open;
        if (_connection is not null) await EndSessionAsync().ConfigureAwait(false);
        var connection = new NpgsqlConnection(_connectionString);
        try
        {
            await connection.OpenAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        SessionsOpened++;
        // Checked every half idle period while a session is open; the callback is quick (the gate, then a close).
        _idleCheck ??= new Timer(_ => _ = CloseIfIdleAsync(IdleTimeout), null, IdleTimeout / 2, IdleTimeout / 2);
        return _connection = connection;
    }

    /// <summary>
    /// Closes the session when it holds no lock and was last used more than <paramref name="idleFor"/> ago; true when it
    /// did (or no session was open). Called by the idle timer, and by tests.
    /// </summary>
    internal async Task<bool> CloseIfIdleAsync(TimeSpan idleFor)
    {
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (_connection is null) return true;
            if (_held.Count > 0 || Environment.TickCount64 - _lastUsed < (long)idleFor.TotalMilliseconds) return false;
            await EndSessionAsync().ConfigureAwait(false);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Closes the session (the server releases its locks) and forgets what it held.</summary>
    private async Task EndSessionAsync()
    {
        _generation++;
        _held.Clear();
        var connection = _connection;
        _connection = null;
        if (connection is null) return;
        try
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            // Broken already.
        }
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, long id)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("key", id);
        return (T)(await command.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false))!;
    }

    /// <summary>A held lock; disposing it releases the lock (once).</summary>
    private sealed class Held(PostgresLockSession session, long id, int generation) : IAsyncDisposable
    {
        private int _disposed;

        public ValueTask DisposeAsync() => Interlocked.Exchange(ref _disposed, 1) != 0 ? ValueTask.CompletedTask : session.ReleaseAsync(id, generation);
    }
}
