using Npgsql;
using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Inventory.Postgres;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Inventory;

/// <summary>
/// Where an inventory contract test keeps its inventory: a fresh store per test, reopened as often as the test
/// likes, removed on dispose. The contract classes (InventoryRoundTripContract, ...) run once per store kind.
/// </summary>
public abstract class InventoryStore : IDisposable
{
    /// <summary>Opens (creating and migrating on the first call) the store's inventory.</summary>
    internal abstract Task<ISnapshotInventory> OpenAsync();

    public abstract void Dispose();
}

/// <summary>An SQLite file in a temporary folder (<see cref="InventoryFolder"/>).</summary>
public sealed class SqliteStore : InventoryStore
{
    private readonly InventoryFolder _folder = new();

    internal override async Task<ISnapshotInventory> OpenAsync() => await _folder.OpenAsync();

    public override void Dispose() => _folder.Dispose();
}

/// <summary>A fresh database on the PostgreSQL test server (<see cref="PostgresTestServer"/>), dropped on dispose.</summary>
public sealed class PostgresStore : InventoryStore
{
    private string? _database;

    /// <summary>The database's connection string (created on first use).</summary>
    public string ConnectionString => new NpgsqlConnectionStringBuilder(PostgresTestServer.ConnectionString!) { Database = Database() }.ConnectionString;

    internal override async Task<ISnapshotInventory> OpenAsync() => await PostgresInventory.OpenAsync(ConnectionString, CancellationToken.None);

    private string Database()
    {
        if (_database is not null) return _database;
        PostgresTestServer.Require();
        var name = $"ss_test_{Guid.NewGuid():N}"[..24];
        using var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString);
        connection.Open();
        using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        create.ExecuteNonQuery();
        return _database = name;
    }

    public override void Dispose()
    {
        if (_database is null) return;
        NpgsqlConnection.ClearAllPools();
        using var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString);
        connection.Open();
        using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", connection);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                drop.ExecuteNonQuery();
                return;
            }
            catch (PostgresException e) when (attempt < 20 && e.SqlState is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.ObjectInUse)
            {
                // A session the role may not end (an autovacuum worker on a server without pg_signal_backend for the
                // role) is gone a moment later.
                Thread.Sleep(250);
            }
        }
    }
}
