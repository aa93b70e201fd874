using Microsoft.Data.Sqlite;
using StorageSnapshot.Engine.Inventory.Rows;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

/// <summary>
/// The one connection of an inventory instance, its prepared commands, and the gate that serialises its use:
/// a SqliteConnection is not thread-safe, and a write transaction owns the connection until it is disposed.
/// </summary>
internal sealed class SqliteSession : IDisposable
{
    // Prepared statements are kept per SQL text: preparing costs more than a primary-key lookup.
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RawStatement> _rawStatements = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _disposed;

    public SqliteSession(SqliteConnection connection, string path, TimeSpan busyTimeout)
    {
        Connection = connection;
        Path = path;
        BusyTimeout = busyTimeout;
    }

    public SqliteConnection Connection { get; }

    /// <summary>Parsed snapshot values shared by every query of this session (under the gate, like the connection).</summary>
    public SnapshotValueCache SnapshotValues { get; } = new();

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>How long a writer waits for another one (in this process or another) before giving up.</summary>
    public TimeSpan BusyTimeout { get; }

    /// <summary>Takes the connection, waiting at most the busy timeout for a transaction in this process.</summary>
    public async Task EnterAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!await _gate.WaitAsync(BusyTimeout, cancellationToken).ConfigureAwait(false))
        {
            throw new InventoryUnavailableException(
                $"The inventory '{Path}' is busy: another transaction in this process has held it for more than " +
                $"{BusyTimeout.TotalSeconds:0.#} s.");
        }
        if (_disposed)
        {
            _gate.Release();
            throw new ObjectDisposedException(nameof(SqliteInventory));
        }
    }

    /// <summary>Gives the connection back.</summary>
    public void Exit() => _gate.Release();

    /// <summary>
    /// The prepared command for <paramref name="sql"/>, bound to <paramref name="transaction"/>, parameters cleared.
    /// Only call while holding the gate.
    /// </summary>
    public SqliteCommand Command(string sql, SqliteTransaction? transaction)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            _commands.Add(sql, command);
        }
        command.Transaction = transaction;
        command.Parameters.Clear();
        return command;
    }

    /// <summary>The prepared raw statement for <paramref name="sql"/> (see <see cref="Sqlite.RawStatement"/>). Only call while holding the gate.</summary>
    public RawStatement RawStatement(string sql)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_rawStatements.TryGetValue(sql, out var statement))
        {
            statement = new RawStatement(Connection, sql);
            _rawStatements.Add(sql, statement);
        }
        return statement;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var statement in _rawStatements.Values) statement.Dispose();
        _rawStatements.Clear();
        foreach (var command in _commands.Values) command.Dispose();
        _commands.Clear();
        Connection.Dispose();
    }
}
