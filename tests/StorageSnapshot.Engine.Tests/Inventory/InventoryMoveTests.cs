using Npgsql;
using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Tests.Infrastructure;
using StorageSnapshot.Engine.Tests.Orchestration;

namespace StorageSnapshot.Engine.Tests.Inventory;

/// <summary>Choosing the inventory and moving one between SQLite and PostgreSQL, content exact.</summary>
[IntegrationRequirements(needsRoot: false, NeedsPostgres = true)]
public sealed class InventoryMoveTests : IAsyncLifetime
{
    private readonly PostgresStore _store = new();
    private EngineTestBed _bed = null!;

    public async Task InitializeAsync()
    {
        _bed = await EngineTestBed.CreateAsync(sqlite: true); // the move's source
        await _bed.NewVolumeAsync("db01");
        await _bed.NewSnapshotAsync("db01", "first", new Dictionary<string, string> { ["app"] = "db", ["tier"] = "gold" });
        await _bed.NewSnapshotAsync("db01", "second");
        await _bed.Engine.Inventory.WriteAsync(tx => tx.RecordPolicyCopyAsync(new PolicyCopy("01COPY", "forgotten-policy", DateTime.UtcNow), CancellationToken.None));
    }

    public async Task DisposeAsync()
    {
        await _bed.DisposeAsync();
        _store.Dispose();
    }

    [ContractFact]
    public async Task An_inventory_moves_to_PostgreSQL_and_back_with_every_record_equal()
    {
        var original = await InventoryCopier.ContentAsync(_bed.Engine.Inventory, CancellationToken.None);
        await _bed.Engine.DisposeAsync();
        var options = _bed.Options();
        var builder = new NpgsqlConnectionStringBuilder(_store.ConnectionString);
        var password = builder.Password!;
        builder.Password = null;

        var moved = await StorageSnapshotEngine.MoveInventoryAsync(options, InventoryTarget.PostgreSql(builder.ConnectionString, builder.Username, password), OperationContext.Unattended());
        Assert.Equal(InventoryKind.PostgreSql, moved!.Kind);
        Assert.Equal(InventorySource.UserSetting, moved.Source);
        // The setting holds the password protected, never in clear.
        var setting = await File.ReadAllTextAsync(Path.Combine(_bed.Home, InventorySetting.FileName));
        Assert.DoesNotContain(password, setting, StringComparison.Ordinal);
        Assert.Contains("storagesnapshot-secret:v1:", setting, StringComparison.Ordinal);

        // The next command opens the PostgreSQL inventory through the setting, and finds everything there.
        await using (var engine = await StorageSnapshotEngine.OpenAsync(options, CancellationToken.None))
        {
            Assert.Equal(InventoryKind.PostgreSql, (await engine.GetInventoryAsync(OperationContext.Unattended())).Kind);
            Assert.Equal(original, await InventoryCopier.ContentAsync(engine.Inventory, CancellationToken.None));
            // Writes after a move continue the event numbers.
            var third = await engine.NewSnapshotAsync(new NewSnapshotRequest(new VolumeSelector(Name: "db01")) { Name = "third" }, OperationContext.Unattended());
            Assert.Equal(SnapshotState.Ready, third!.State);
        }

        // And back into a new SQLite file: equal to the PostgreSQL one.
        await using (var engine = await StorageSnapshotEngine.OpenAsync(options, CancellationToken.None))
        {
            var onPostgres = await InventoryCopier.ContentAsync(engine.Inventory, CancellationToken.None);
            var back = Path.Combine(_bed.Root, "back.db");
            var info = await StorageSnapshotEngine.MoveInventoryAsync(options, InventoryTarget.Sqlite(back), OperationContext.Unattended());
            Assert.Equal(back, info!.Location);
            await using var reopened = await StorageSnapshotEngine.OpenAsync(options, CancellationToken.None);
            Assert.Equal(onPostgres, await InventoryCopier.ContentAsync(reopened.Inventory, CancellationToken.None));
        }
    }

    [ContractFact]
    public async Task A_move_into_an_inventory_that_is_not_empty_copies_nothing_and_switches_nothing()
    {
        await using (var other = await _store.OpenAsync())
            await other.WriteAsync(tx => tx.InsertBackendAsync(InventorySamples.Backend("elsewhere"), CancellationToken.None));
        await _bed.Engine.DisposeAsync();

        var error = await Assert.ThrowsAsync<ConflictException>(() =>
            StorageSnapshotEngine.MoveInventoryAsync(_bed.Options(), InventoryTarget.PostgreSql(_store.ConnectionString), OperationContext.Unattended()));
        Assert.Contains("is not empty", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_bed.Home, InventorySetting.FileName)));
        await using var target = await _store.OpenAsync();
        Assert.Single(await target.ListBackendsAsync(CancellationToken.None));
    }

    [ContractFact]
    public async Task Choosing_an_unreachable_database_is_refused_and_the_setting_stays()
    {
        await _bed.Engine.DisposeAsync();
        var unreachable = new NpgsqlConnectionStringBuilder(_store.ConnectionString) { Port = 1, Timeout = 3 }.ConnectionString;
        await Assert.ThrowsAsync<InventoryUnavailableException>(() =>
            StorageSnapshotEngine.SetInventoryAsync(_bed.Options(), InventoryTarget.PostgreSql(unreachable), OperationContext.Unattended()));
        Assert.False(File.Exists(Path.Combine(_bed.Home, InventorySetting.FileName)));
    }
}
