using Microsoft.Data.Sqlite;
using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Inventory.Sqlite;
using static StorageSnapshot.Engine.Tests.Inventory.InventorySamples;

namespace StorageSnapshot.Engine.Tests.Inventory;

/// <summary>
/// The hot queries use their indexes: checked with EXPLAIN QUERY PLAN on the very SQL the inventory runs, on a
/// file with enough rows (and ANALYZE statistics) for the planner to have a real choice.
/// </summary>
public sealed class SqliteQueryPlanTests : IAsyncLifetime, IDisposable
{
    private readonly InventoryFolder _folder = new();
    private SqliteConnection _connection = null!;

    public async Task InitializeAsync()
    {
        await using (var inventory = await _folder.OpenAsync())
        {
            await inventory.WriteAsync(async tx =>
            {
                await tx.InsertBackendAsync(Backend("lab"), None);
                for (var v = 0; v < 20; v++)
                {
                    var volume = Volume("lab", $"vol{v}");
                    await tx.InsertVolumeAsync(volume, None);
                    for (var s = 0; s < 20; s++)
                    {
                        await tx.InsertSnapshotAsync(Snapshot(volume, $"s{s}", Utc(2026, 1, 1).AddHours(s), clientToken: $"t{s}"), None);
                    }
                }
            });
        }
        _connection = new SqliteConnection($"Data Source={_folder.DatabasePath};Pooling=False");
        await _connection.OpenAsync();
        await using var analyze = _connection.CreateCommand();
        analyze.CommandText = "ANALYZE";
        await analyze.ExecuteNonQueryAsync();
    }

    public Task DisposeAsync() => _connection.DisposeAsync().AsTask();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task OneVolumeListingIsOneRangeScanOfTheVolumeCreatedIndexWithoutASort()
    {
        var plan = await PlanAsync(new SnapshotQuery { VolumeIds = ["V"] });
        Assert.Contains("SEARCH s USING INDEX ix_snapshots_volume_created (volume_id=?)", plan);
        Assert.DoesNotContain("TEMP B-TREE", plan);
        Assert.DoesNotContain("SCAN", plan);
    }

    [Fact]
    public async Task LookupByIdUsesThePrimaryKey()
    {
        var plan = await PlanAsync(SnapshotSql.ById, ("$id", "X"));
        Assert.Contains("SEARCH s USING INDEX sqlite_autoindex_snapshots_1 (id=?)", plan);
        Assert.Contains("SEARCH v USING INDEX sqlite_autoindex_volumes_1 (id=?)", plan);
        Assert.DoesNotContain("SCAN", plan);
    }

    [Fact]
    public async Task ClientTokenAndNameLookupsUseTheirUniqueIndexes()
    {
        Assert.Contains("ux_snapshots_client_token (volume_id=? AND client_token=?)",
            await PlanAsync(SnapshotSql.ByClientToken, ("$volume", "V"), ("$token", "t")));
        Assert.Contains("sqlite_autoindex_snapshots_2 (volume_id=? AND name=?)",
            await PlanAsync(SnapshotSql.ByName, ("$volume", "V"), ("$name", "n")));
    }

    [Fact]
    public async Task ParentExpiryAndIdFiltersUseTheirIndexes()
    {
        Assert.Contains("ix_snapshots_parent (parent_id=?)", await PlanAsync(new SnapshotQuery { ParentId = "P" }));
        Assert.Contains("ix_snapshots_expires (expires<?)", await PlanAsync(new SnapshotQuery { ExpiresAtOrBeforeUtc = DateTime.UtcNow }));
        Assert.Contains("sqlite_autoindex_snapshots_1 (id=?)", await PlanAsync(new SnapshotQuery { Ids = ["A", "B"] }));
    }

    private Task<string> PlanAsync(SnapshotQuery query)
    {
        var (sql, parameters) = SnapshotSql.List(query);
        return PlanAsync(sql, parameters.Select(p => (p.Key, p.Value)).ToArray());
    }

    private async Task<string> PlanAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var command = _connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync()) lines.Add(reader.GetString(3));
        return string.Join(Environment.NewLine, lines);
    }
}
