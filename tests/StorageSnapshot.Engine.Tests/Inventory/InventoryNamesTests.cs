using Microsoft.Data.Sqlite;
using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Inventory.Sqlite;
using StorageSnapshot.Engine.Inventory.Sqlite.Migrations;
using StorageSnapshot.Engine.Naming;
using StorageSnapshot.Engine.Operations;
using static StorageSnapshot.Engine.Tests.Inventory.InventorySamples;

namespace StorageSnapshot.Engine.Tests.Inventory;

/// <summary>
/// Tab completion's view of the inventory (issue 9): read-only — no folder created, no schema migrated, no dead
/// operation marked, not a byte written — and narrowed in SQL by prefix, by the objects already typed, and by a limit.
/// </summary>
public sealed class InventoryNamesTests : IDisposable
{
    private readonly InventoryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private EngineOptions Options => new() { HomeDirectory = Path.GetDirectoryName(_folder.DatabasePath)! };

    private async Task SeedAsync(IReadOnlyList<SqliteMigration>? migrations = null)
    {
        await using var inventory = await SqliteInventory.OpenAsync(_folder.DatabasePath, migrations ?? SqliteMigrations.All, SqliteInventory.DefaultBusyTimeout, None);
        await inventory.WriteAsync(async tx =>
        {
            await tx.InsertBackendAsync(Backend("lab"), None);
            await tx.InsertBackendAsync(Backend("prod"), None);
            var db1 = Volume("lab", "db_1");
            var dbx = Volume("lab", "dbx1");
            var web = Volume("prod", "web");
            foreach (var volume in new[] { db1, dbx, web }) await tx.InsertVolumeAsync(volume, None);
            for (var i = 0; i < 5; i++)
            {
                await tx.InsertSnapshotAsync(Snapshot(db1, $"nightly-{i}", Utc(2026, 1, 1).AddDays(i)), None);
                await tx.InsertSnapshotAsync(Snapshot(dbx, $"nightly-{i}", Utc(2026, 1, 1).AddDays(i)), None);
            }
            await tx.InsertSnapshotAsync(Snapshot(web, "Weekly", Utc(2026, 2, 1)), None);
        });
        await inventory.DisposeAsync();

        // Left Running by a process that died (its volume lock is free), written as the schema at hand stores it
        // (an older inventory's journal has target_type; migration 4 made it target_kind).
        var target = (migrations ?? SqliteMigrations.All).Max(m => m.Version) >= 4 ? "target_kind" : "target_type";
        await using var connection = new SqliteConnection($"Data Source={_folder.DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"INSERT INTO operations (id, kind, state, backend, volume, {target}, target_id, started, attempts, owner) " +
                              "VALUES ($id, 'CreateSnapshot', 'Running', 'lab', 'db_1', 'Snapshot', $target, $started, 1, $owner)";
        command.Parameters.AddWithValue("$id", Ids.New());
        command.Parameters.AddWithValue("$target", Ids.New());
        command.Parameters.AddWithValue("$started", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$owner", OperationOwner.Current);
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Completion_reads_without_migrating_marking_or_writing_anything()
    {
        await SeedAsync(SqliteMigrations.All.Take(3).ToArray()); // an inventory an older module left
        var files = Directory.GetFiles(Path.GetDirectoryName(_folder.DatabasePath)!).ToDictionary(f => f, File.ReadAllBytes);

        await using (var names = await InventoryNames.OpenAsync(Options, None))
        {
            Assert.NotNull(names);
            Assert.Equal(["nightly-0", "nightly-1", "nightly-2", "nightly-3", "nightly-4", "Weekly"], await names.SnapshotNamesAsync("", null, null, 100, None));
        }

        foreach (var (file, bytes) in files) Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(file)), $"{file} changed");
        // SQLite may create its coordination files beside an inventory no process has open: the -wal stays empty.
        var created = Directory.GetFiles(Path.GetDirectoryName(_folder.DatabasePath)!).Except(files.Keys).ToList();
        Assert.All(created, f => Assert.True(f.EndsWith("-shm", StringComparison.Ordinal) || f.EndsWith("-wal", StringComparison.Ordinal) && new FileInfo(f).Length == 0, f));
        await using var connection = new SqliteConnection($"Data Source={_folder.DatabasePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT max(version) FROM schema_version), (SELECT state FROM operations)";
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal((3L, "Running"), (reader.GetInt64(0), reader.GetString(1)));
    }

    [Fact]
    public async Task No_inventory_means_no_names_and_no_folder()
    {
        var home = Path.Combine(_folder.Path, "never");
        Assert.Null(await InventoryNames.OpenAsync(new EngineOptions { HomeDirectory = home }, None));
        Assert.False(Directory.Exists(home));
    }

    [Fact]
    public async Task Names_are_narrowed_by_prefix_by_what_is_typed_and_by_the_limit()
    {
        await SeedAsync();
        await using var names = (await InventoryNames.OpenAsync(Options, None))!;

        // A prefix is literal: '_' is a character of the name, not LIKE's wildcard; case does not matter.
        Assert.Equal(["db_1"], await names.VolumeNamesAsync("DB_", null, 100, None));
        Assert.Equal(["web"], await names.VolumeNamesAsync("", ["pro*"], 100, None));
        Assert.Equal(["Weekly"], await names.SnapshotNamesAsync("w", null, null, 100, None));
        Assert.Equal(["nightly-0", "nightly-1"], await names.SnapshotNamesAsync("nightly", ["db?1"], null, 2, None));
        Assert.Equal(["Weekly"], await names.SnapshotNamesAsync("", null, ["prod"], 100, None));
        Assert.Empty(await names.SnapshotNamesAsync("", ["nothing"], null, 100, None));
        Assert.Equal(["lab", "prod"], await names.BackendNamesAsync("", 100, None));

        var ids = await names.SnapshotIdsAsync("", ["web"], null, 100, None);
        var weekly = Assert.Single(ids);
        Assert.Equal(("Weekly", "web", "prod"), (weekly.Name, weekly.Volume, weekly.Backend));
        Assert.Equal([weekly.Id], (await names.SnapshotIdsAsync(weekly.Id[..20].ToLowerInvariant(), null, null, 100, None)).Select(i => i.Id));
        Assert.Equal(10, (await names.SnapshotIdsAsync("", null, ["lab"], 100, None)).Count);
        Assert.Equal(3, (await names.VolumeIdsAsync("", null, 100, None)).Count);
    }
}
