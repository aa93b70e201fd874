using System.Text;
using Microsoft.Data.Sqlite;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

/// <summary>
/// The inventory as tab completion reads it: its own connection, opened read-only — no schema migration, no
/// pragma that writes, no dead-operation scan; an inventory of any schema this module can read is answered, one
/// of a newer schema or none at all yields nothing. Every question is narrowed and limited in SQL, so that the
/// answer costs about the same with a hundred snapshots as with a hundred thousand. Names match by prefix
/// (case-insensitive, as names are); narrowing values may be wildcard patterns (* and ?).
/// </summary>
internal sealed class SqliteInventoryNames : IAsyncDisposable
{
    // A writer holding the file rarely blocks a WAL reader; if one does, completion gives up rather than wait.
    private static readonly TimeSpan BusyTimeout = TimeSpan.FromMilliseconds(250);

    private readonly SqliteConnection _connection;

    private SqliteInventoryNames(SqliteConnection connection) => _connection = connection;

    /// <summary>Opens <paramref name="path"/> read-only; null when it is missing, not an inventory, or of a schema this build cannot read.</summary>
    public static async Task<SqliteInventoryNames?> OpenAsync(string path, int newestSchema, CancellationToken cancellationToken)
    {
        if (!File.Exists(path)) return null;
        SqliteThreadingMode.Ensure();
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
            DefaultTimeout = 1,
        }.ToString());
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            using (var pragma = connection.CreateCommand())
            {
                pragma.CommandText = $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds}";
                await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            var names = new SqliteInventoryNames(connection);
            var version = await names.SchemaVersionAsync(cancellationToken).ConfigureAwait(false);
            // Version 3 added the last column a completion reads; a newer schema may have moved things.
            if (version is >= 3 && version <= newestSchema) return names;
        }
        catch (SqliteException)
        {
            // Not a database, locked past the busy timeout, unreadable: no names.
        }
        await connection.DisposeAsync().ConfigureAwait(false);
        return null;
    }

    private async Task<long?> SchemaVersionAsync(CancellationToken cancellationToken)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'";
        if (Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false)) == 0) return null;
        command.CommandText = "SELECT coalesce(max(version), 0) FROM schema_version";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));
    }

    public Task<IReadOnlyList<string>> BackendNamesAsync(string prefix, int limit, CancellationToken cancellationToken) =>
        StringsAsync("SELECT name FROM backends WHERE name LIKE $prefix ESCAPE '\\' ORDER BY name LIMIT $limit", prefix, limit, null, cancellationToken);

    public Task<IReadOnlyList<string>> SecondaryStorageNamesAsync(string prefix, int limit, CancellationToken cancellationToken) =>
        StringsAsync("SELECT name FROM secondary_storages WHERE name LIKE $prefix ESCAPE '\\' ORDER BY name LIMIT $limit", prefix, limit, null, cancellationToken);

    public Task<IReadOnlyList<string>> PolicyNamesAsync(string prefix, int limit, CancellationToken cancellationToken) =>
        StringsAsync("SELECT name FROM snapshot_policies WHERE name LIKE $prefix ESCAPE '\\' ORDER BY name LIMIT $limit", prefix, limit, null, cancellationToken);

    public Task<IReadOnlyList<string>> VolumeNamesAsync(string prefix, IReadOnlyCollection<string>? backends, int limit, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder("SELECT DISTINCT name FROM volumes WHERE name LIKE $prefix ESCAPE '\\'");
        var filters = new Filters(sql);
        filters.Like("backend", "$backends", backends);
        sql.Append(" ORDER BY name LIMIT $limit");
        return StringsAsync(sql.ToString(), prefix, limit, filters, cancellationToken);
    }

    public Task<IReadOnlyList<string>> SnapshotNamesAsync(string prefix, IReadOnlyCollection<string>? volumes, IReadOnlyCollection<string>? backends, int limit,
        CancellationToken cancellationToken)
    {
        StringBuilder sql;
        Filters filters;
        if (volumes is null)
        {
            // Names repeat across volumes (every volume has its "nightly"): DISTINCT over ix_snapshots_name would read
            // every snapshot of every name it passes. Instead each next name is one seek past the last (a loose index
            // scan), however many snapshots share it.
            var condition = new StringBuilder(" AND s.name LIKE $prefix ESCAPE '\\'");
            filters = new Filters(condition);
            filters.Like("(SELECT v.backend FROM volumes v WHERE v.id = s.volume_id)", "$backends", backends);
            sql = new StringBuilder($"""
                WITH RECURSIVE names(name) AS (
                    SELECT (SELECT min(s.name) FROM snapshots s WHERE 1{condition})
                    UNION ALL
                    SELECT (SELECT min(s.name) FROM snapshots s WHERE s.name > names.name{condition}) FROM names WHERE names.name IS NOT NULL)
                SELECT name FROM names WHERE name IS NOT NULL LIMIT $limit
                """);
        }
        else
        {
            // The volumes first (CROSS JOIN keeps that order), then each one's names by its (volume_id, name) index.
            sql = new StringBuilder("SELECT DISTINCT s.name FROM volumes v CROSS JOIN snapshots s ON s.volume_id = v.id WHERE s.name LIKE $prefix ESCAPE '\\'");
            filters = new Filters(sql);
            filters.Like("v.name", "$volumes", volumes);
            filters.Like("v.backend", "$backends", backends);
            sql.Append(" ORDER BY s.name LIMIT $limit");
        }
        return StringsAsync(sql.ToString(), prefix, limit, filters, cancellationToken);
    }

    public Task<IReadOnlyList<string>> CopySnapshotNamesAsync(string prefix, IReadOnlyCollection<string>? destinations, IReadOnlyCollection<string>? volumes, int limit,
        CancellationToken cancellationToken)
    {
        var sql = new StringBuilder("SELECT DISTINCT snapshot_name FROM copies WHERE snapshot_name LIKE $prefix ESCAPE '\\'");
        var filters = new Filters(sql);
        filters.Like("destination", "$destinations", destinations);
        filters.Like("volume", "$volumes", volumes);
        sql.Append(" ORDER BY snapshot_name LIMIT $limit");
        return StringsAsync(sql.ToString(), prefix, limit, filters, cancellationToken);
    }

    public Task<IReadOnlyList<InventoryName>> VolumeIdsAsync(string prefix, IReadOnlyCollection<string>? backends, int limit, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder("SELECT id, name, NULL, backend, NULL FROM volumes WHERE id >= $from AND id < $to");
        var filters = new Filters(sql);
        filters.Like("backend", "$backends", backends);
        sql.Append(" ORDER BY id LIMIT $limit");
        return NamesAsync(sql.ToString(), prefix, limit, filters, cancellationToken);
    }

    public Task<IReadOnlyList<InventoryName>> SnapshotIdsAsync(string prefix, IReadOnlyCollection<string>? volumes, IReadOnlyCollection<string>? backends, int limit,
        CancellationToken cancellationToken)
    {
        // Narrowed by volume: those volumes first (CROSS JOIN keeps that order), then each one's snapshots;
        // otherwise a range of the primary key, in order, up to the limit.
        var sql = new StringBuilder(volumes is null
            ? "SELECT s.id, s.name, v.name, v.backend, NULL FROM snapshots s JOIN volumes v ON v.id = s.volume_id WHERE s.id >= $from AND s.id < $to"
            : "SELECT s.id, s.name, v.name, v.backend, NULL FROM volumes v CROSS JOIN snapshots s ON s.volume_id = v.id WHERE s.id >= $from AND s.id < $to");
        var filters = new Filters(sql);
        filters.Like("v.name", "$volumes", volumes);
        filters.Like("v.backend", "$backends", backends);
        sql.Append(" ORDER BY s.id LIMIT $limit");
        return NamesAsync(sql.ToString(), prefix, limit, filters, cancellationToken);
    }

    public Task<IReadOnlyList<InventoryName>> CopyIdsAsync(string prefix, IReadOnlyCollection<string>? destinations, int limit, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder("SELECT id, coalesce(snapshot_name, snapshot_id), volume, backend, destination FROM copies WHERE id >= $from AND id < $to");
        var filters = new Filters(sql);
        filters.Like("destination", "$destinations", destinations);
        sql.Append(" ORDER BY id LIMIT $limit");
        return NamesAsync(sql.ToString(), prefix, limit, filters, cancellationToken);
    }

    private async Task<IReadOnlyList<string>> StringsAsync(string sql, string prefix, int limit, Filters? filters, CancellationToken cancellationToken)
    {
        using var command = Command(sql, limit, filters);
        command.Parameters.AddWithValue("$prefix", LikePrefix(prefix));
        var names = new List<string>();
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!reader.IsDBNull(0)) names.Add(reader.GetString(0));
        }
        return names;
    }

    private async Task<IReadOnlyList<InventoryName>> NamesAsync(string sql, string prefix, int limit, Filters filters, CancellationToken cancellationToken)
    {
        using var command = Command(sql, limit, filters);
        // Ids are upper-case base32 and compared as bytes: a typed prefix is a range of the primary key.
        var from = prefix.ToUpperInvariant();
        command.Parameters.AddWithValue("$from", from);
        command.Parameters.AddWithValue("$to", from + "\u007f");
        var names = new List<InventoryName>();
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            string? Text(int column) => reader.IsDBNull(column) ? null : reader.GetString(column);
            names.Add(new InventoryName(reader.GetString(0), Text(1) ?? "", Text(2), Text(3), Text(4)));
        }
        return names;
    }

    private SqliteCommand Command(string sql, int limit, Filters? filters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$limit", limit);
        filters?.Bind(command.Parameters);
        return command;
    }

    /// <summary>A LIKE pattern matching names that start with <paramref name="prefix"/> (LIKE's own characters escaped).</summary>
    private static string LikePrefix(string prefix) => Escape(prefix) + "%";

    /// <summary>A LIKE pattern for a PowerShell wildcard pattern (* and ?).</summary>
    private static string LikeWildcard(string pattern) => Escape(pattern).Replace('*', '%').Replace('?', '_');

    private static string Escape(string text) => text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");

    /// <summary>The narrowing conditions of one query: each column must match one of its patterns.</summary>
    private sealed class Filters(StringBuilder sql)
    {
        private readonly List<(string Name, string Json)> _parameters = new();

        public void Like(string column, string parameter, IReadOnlyCollection<string>? patterns)
        {
            if (patterns is null) return;
            sql.Append($" AND EXISTS (SELECT 1 FROM json_each({parameter}) WHERE {column} LIKE json_each.value ESCAPE '\\')");
            _parameters.Add((parameter, SqliteValues.ToJsonArray(patterns.Select(LikeWildcard))));
        }

        public void Bind(SqliteParameterCollection parameters)
        {
            foreach (var (name, json) in _parameters) parameters.AddWithValue(name, json);
        }
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
