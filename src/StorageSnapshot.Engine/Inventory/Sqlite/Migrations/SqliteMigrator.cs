using Microsoft.Data.Sqlite;

namespace StorageSnapshot.Engine.Inventory.Sqlite.Migrations;

/// <summary>
/// Brings a database to the newest schema this build knows, all steps in one transaction. The version check is
/// a plain read, so opening an up-to-date inventory never waits for the write lock.
/// </summary>
internal static class SqliteMigrator
{
    public static async Task ApplyAsync(SqliteConnection connection, string path, IReadOnlyList<SqliteMigration> migrations, CancellationToken cancellationToken)
    {
        CheckList(migrations);
        var latest = migrations.Count == 0 ? 0 : migrations[^1].Version;

        var current = await ReadVersionAsync(connection, null, path, cancellationToken).ConfigureAwait(false);
        RefuseNewer(current, latest, path);
        if (current == latest) return;

        // BEGIN IMMEDIATE: of two processes opening a new inventory at once, the second waits here and then
        // sees the first one's work when it reads the version again.
        using var transaction = connection.BeginTransaction(deferred: false);
        current = await ReadVersionAsync(connection, transaction, path, cancellationToken).ConfigureAwait(false);
        RefuseNewer(current, latest, path);
        if (current < 0)
        {
            await ExecuteAsync(connection, transaction, """
                CREATE TABLE schema_version (
                    version INTEGER NOT NULL PRIMARY KEY,
                    name    TEXT    NOT NULL,
                    applied INTEGER NOT NULL
                );
                """, cancellationToken).ConfigureAwait(false);
        }
        foreach (var migration in migrations.Where(m => m.Version > current))
        {
            await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken).ConfigureAwait(false);
            using var record = connection.CreateCommand();
            record.Transaction = transaction;
            record.CommandText = "INSERT INTO schema_version (version, name, applied) VALUES ($version, $name, $applied)";
            record.Parameters.AddWithValue("$version", migration.Version);
            record.Parameters.AddWithValue("$name", migration.Name);
            record.Parameters.AddWithValue("$applied", SqliteValues.ToUnixMilliseconds(DateTime.UtcNow));
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        transaction.Commit();
    }

    /// <summary>The schema version: -1 for a database with no tables at all (a new inventory).</summary>
    private static async Task<int> ReadVersionAsync(SqliteConnection connection, SqliteTransaction? transaction, string path, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'),
                   (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\')
            """;
        long hasVersionTable, tables;
        using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            hasVersionTable = reader.GetInt64(0);
            tables = reader.GetInt64(1);
        }
        if (hasVersionTable == 0)
        {
            if (tables == 0) return -1;
            throw new InventoryUnavailableException(
                $"'{path}' is an SQLite database but not a StorageSnapshot inventory (it has no schema_version table); " +
                "point STORAGESNAPSHOT_HOME at another folder.");
        }
        command.CommandText = "SELECT coalesce(max(version), 0) FROM schema_version";
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));
    }

    private static void RefuseNewer(int current, int latest, string path)
    {
        if (current > latest)
        {
            throw new InventoryUnavailableException(
                $"The inventory '{path}' has schema version {current}, newer than the {latest} this build of StorageSnapshot knows; " +
                "use a newer StorageSnapshot (a downgrade cannot read it).");
        }
    }

    // Versions rise strictly; gaps are allowed because features on parallel branches reserve their numbers
    // (policies took 7 while 5 and 6 were being written elsewhere). A gap must be filled before a release: an
    // inventory migrated past it would never run the step that fills it.
    private static void CheckList(IReadOnlyList<SqliteMigration> migrations)
    {
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version < 1 || (i > 0 && migrations[i].Version <= migrations[i - 1].Version))
            {
                throw new InvalidOperationException(
                    $"Migration '{migrations[i].Name}' has version {migrations[i].Version} at position {i + 1}: versions must rise from 1, in order.");
            }
        }
    }

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
