using Npgsql;

namespace StorageSnapshot.Engine.Inventory.Postgres;

internal sealed partial class PostgresInventory
{
    /// <summary>
    /// Connects to the database named by <paramref name="connectionString"/> and brings its schema up to date
    /// (<see cref="PostgresMigrator"/>: advisory-locked, so two hosts opening a new database at once migrate it once).
    /// A password may come from the connection string, PGPASSWORD, or a pgpass file (Npgsql reads PGPASSFILE and
    /// ~/.pgpass). Throws <see cref="InventoryUnavailableException"/> when the server cannot be reached, the
    /// database is not an inventory, or its schema is newer than this build.
    /// </summary>
    public static Task<PostgresInventory> OpenAsync(string connectionString, CancellationToken cancellationToken) =>
        OpenAsync(connectionString, PostgresSchema.All, cancellationToken);

    /// <summary>Opens with a given list of schema steps (tests: newer schemas).</summary>
    internal static async Task<PostgresInventory> OpenAsync(string connectionString, IReadOnlyList<PostgresSchema.Step> steps, CancellationToken cancellationToken)
    {
        var settings = PostgresConnection.Parse(connectionString);
        var description = PostgresConnection.Describe(settings);
        var dataSource = new NpgsqlDataSourceBuilder(PostgresConnection.ForReads(settings)).Build();
        var locks = new PostgresAdvisoryLocks(PostgresConnection.ForLocks(settings), description);
        try
        {
            int version;
            var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                version = await PostgresMigrator.ApplyAsync(connection, description, steps, cancellationToken).ConfigureAwait(false);
            }
            return new PostgresInventory(dataSource, locks, description) { SchemaVersion = version };
        }
        catch (Exception e) when (e is NpgsqlException or IOException or System.Net.Sockets.SocketException)
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw PostgresErrors.Failed(description, e);
        }
        catch
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
