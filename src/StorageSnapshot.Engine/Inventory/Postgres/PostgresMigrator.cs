using Npgsql;

namespace StorageSnapshot.Engine.Inventory.Postgres;

/// <summary>
/// Brings a database to the newest schema this build knows, all steps in one transaction under a
/// transaction-level advisory lock: of two hosts opening a new database at once, the second waits for the lock and
/// then reads the first one's version. An up-to-date database is answered by a plain read, without the lock.
/// </summary>
internal static class PostgresMigrator
{
    /// <summary>Migrates; returns the schema version the database has now.</summary>
    public static async Task<int> ApplyAsync(NpgsqlConnection connection, string where, IReadOnlyList<PostgresSchema.Step> steps, CancellationToken cancellationToken)
    {
        var latest = steps.Count == 0 ? 0 : steps[^1].Version;
        var current = await ReadVersionAsync(connection, null, where, cancellationToken).ConfigureAwait(false);
        RefuseNewer(current, latest, where);
        if (current == latest) return current;

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({PostgresKeys.Migration})", cancellationToken).ConfigureAwait(false);
        current = await ReadVersionAsync(connection, transaction, where, cancellationToken).ConfigureAwait(false);
        RefuseNewer(current, latest, where);
        if (current == latest) return current;
        if (current < 0)
        {
            await ExecuteAsync(connection, transaction, """
                CREATE TABLE schema_version (
                    version integer     NOT NULL PRIMARY KEY,
                    name    text        NOT NULL,
                    applied timestamptz NOT NULL DEFAULT now()
                );
                """, cancellationToken).ConfigureAwait(false);
        }
        foreach (var step in steps.Where(s => s.Version > current))
        {
            try
            {
                await ExecuteAsync(connection, transaction, step.Sql, cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedFile or PostgresErrorCodes.InsufficientPrivilege && step.Sql.Contains("citext", StringComparison.Ordinal))
            {
                throw new InventoryUnavailableException(
                    $"The inventory {where} needs the citext extension (case-insensitive names), which could not be created: {e.MessageText}. " +
                    "Install the server's contrib package (Debian: postgresql-contrib) or have the database owner run CREATE EXTENSION citext.", e);
            }
            await using var record = new NpgsqlCommand("INSERT INTO schema_version (version, name) VALUES (@version, @name)", connection, transaction);
            record.Parameters.AddWithValue("version", step.Version);
            record.Parameters.AddWithValue("name", step.Name);
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return latest;
    }

    /// <summary>The schema version: -1 for a database (schema) with no tables at all.</summary>
    public static async Task<int> ReadVersionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string where, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT to_regclass('schema_version') IS NOT NULL,
                   (SELECT count(*) FROM pg_tables WHERE schemaname = current_schema())
            """, connection, transaction);
        bool hasVersionTable;
        long tables;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            hasVersionTable = reader.GetBoolean(0);
            tables = reader.GetInt64(1);
        }
        if (!hasVersionTable)
        {
            if (tables == 0) return -1;
            throw new InventoryUnavailableException(
                $"The database {where} holds tables but is not a StorageSnapshot inventory (it has no schema_version table); " +
                "give the inventory a database of its own.");
        }
        command.CommandText = "SELECT coalesce(max(version), 0) FROM schema_version";
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void RefuseNewer(int current, int latest, string where)
    {
        if (current > latest)
        {
            throw new InventoryUnavailableException(
                $"The inventory {where} has schema version {current}, newer than the {latest} this build of StorageSnapshot knows; " +
                "use a newer StorageSnapshot (a downgrade cannot read it).");
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
