using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Tests.Infrastructure;
using static StorageSnapshot.Engine.Tests.Inventory.InventorySamples;

namespace StorageSnapshot.Engine.Tests.Inventory;

/// <summary>Every filter of every list query, alone and combined, and the order of the results.</summary>
public abstract class InventoryQueryContract : IAsyncLifetime, IDisposable
{
    private static readonly DateTime T0 = Utc(2026, 11, 1);
    private readonly InventoryStore _folder;

    private protected InventoryQueryContract(InventoryStore store) => _folder = store;
    private ISnapshotInventory _inventory = null!;

    // lab/db01: a (t0, Ready, expires t0+1d), b (t0+1h, Error, parent a), c (t0+1h, Ready, parent a, no expiry)
    // lab/db02: d (t0+30m, Creating)      prod/web: e (t0+2h, Ready, expires t0+10d)
    private readonly Volume _db01 = Volume("lab", "db01");
    private readonly Volume _db02 = Volume("lab", "db02");
    private readonly Volume _web = Volume("prod", "web") with { CreatedFromSnapshotId = null };
    private Snapshot _a = null!, _b = null!, _c = null!, _d = null!, _e = null!;

    public async Task InitializeAsync()
    {
        _inventory = await _folder.OpenAsync();
        _a = Snapshot(_db01, "a", T0) with { ExpiresUtc = T0.AddDays(1), ParentId = null };
        _b = Snapshot(_db01, "b", T0.AddHours(1)) with { State = SnapshotState.Error, ParentId = _a.Id, ExpiresUtc = T0.AddDays(2) };
        _c = Snapshot(_db01, "c", T0.AddHours(1)) with { ParentId = _a.Id, ExpiresUtc = null };
        _d = Snapshot(_db02, "d", T0.AddMinutes(30)) with { State = SnapshotState.Creating };
        _e = Snapshot(_web, "e", T0.AddHours(2)) with { ExpiresUtc = T0.AddDays(10) };
        var db01Clone = _db02 with { CreatedFromSnapshotId = _a.Id };
        await _inventory.WriteAsync(async tx =>
        {
            await tx.InsertBackendAsync(Backend("prod"), None);
            await tx.InsertBackendAsync(Backend("lab"), None);
            await tx.InsertVolumeAsync(_web, None);
            await tx.InsertVolumeAsync(db01Clone, None);
            await tx.InsertVolumeAsync(_db01, None);
            // Inserted out of time order: the listing must sort.
            foreach (var s in new[] { _e, _c, _d, _b, _a }) await tx.InsertSnapshotAsync(s, None);
        });
    }

    public Task DisposeAsync() => _inventory.DisposeAsync().AsTask();

    public void Dispose() => _folder.Dispose();

    [ContractFact]
    public async Task NoFilterListsEverySnapshotByCreatedThenId()
    {
        var sameTime = new[] { _b, _c }.OrderBy(s => s.Id, StringComparer.Ordinal).Select(s => s.Name);
        Assert.Equal(["a", "d", .. sameTime, "e"], await NamesAsync(new SnapshotQuery()));
    }

    [ContractFact]
    public async Task FiltersByIds() =>
        Assert.Equal(["a", "e"], await NamesAsync(new SnapshotQuery { Ids = [_e.Id, _a.Id, "unknown"] }));

    [ContractFact]
    public async Task FiltersByOneVolumeAndBySeveral()
    {
        Assert.Equal(["d"], await NamesAsync(new SnapshotQuery { VolumeIds = [_db02.Id] }));
        Assert.Equal(["d", "e"], await NamesAsync(new SnapshotQuery { VolumeIds = [_web.Id, _db02.Id] }));
        Assert.Equal(3, (await NamesAsync(new SnapshotQuery { VolumeIds = [_db01.Id] })).Count);
    }

    [ContractFact]
    public async Task FiltersByBackendIgnoringCase()
    {
        Assert.Equal(["e"], await NamesAsync(new SnapshotQuery { Backends = ["PROD"] }));
        Assert.Equal(4, (await NamesAsync(new SnapshotQuery { Backends = ["Lab"] })).Count);
    }

    [ContractFact]
    public async Task FiltersByStates()
    {
        Assert.Equal(["d", "b"], await NamesAsync(new SnapshotQuery { States = [SnapshotState.Error, SnapshotState.Creating] }));
        Assert.Empty(await NamesAsync(new SnapshotQuery { States = [SnapshotState.Deleting] }));
    }

    [ContractFact]
    public async Task FiltersByParent() =>
        Assert.Equal(["b", "c"], (await NamesAsync(new SnapshotQuery { ParentId = _a.Id })).Order());

    [ContractFact]
    public async Task FiltersByExpiryAtOrBeforeAndSkipsThoseThatNeverExpire()
    {
        Assert.Equal(["a"], await NamesAsync(new SnapshotQuery { ExpiresAtOrBeforeUtc = T0.AddDays(1) }));
        Assert.Equal(["a", "b"], await NamesAsync(new SnapshotQuery { ExpiresAtOrBeforeUtc = T0.AddDays(2) }));
        var everything = await NamesAsync(new SnapshotQuery { ExpiresAtOrBeforeUtc = DateTime.MaxValue });
        Assert.DoesNotContain("c", everything);
    }

    [ContractFact]
    public async Task CombinesFilters()
    {
        var query = new SnapshotQuery
        {
            VolumeIds = [_db01.Id, _db02.Id], Backends = ["lab"], States = [SnapshotState.Ready, SnapshotState.Error],
            ParentId = _a.Id, ExpiresAtOrBeforeUtc = T0.AddDays(5),
        };
        Assert.Equal(["b"], await NamesAsync(query));
        Assert.Empty(await NamesAsync(query with { Backends = ["prod"] }));
    }

    [ContractFact]
    public async Task EmptyListsMatchNothing()
    {
        Assert.Empty(await NamesAsync(new SnapshotQuery { Ids = [] }));
        Assert.Empty(await NamesAsync(new SnapshotQuery { VolumeIds = [] }));
        Assert.Empty(await NamesAsync(new SnapshotQuery { Backends = [] }));
        Assert.Empty(await NamesAsync(new SnapshotQuery { States = [] }));
    }

    [ContractFact]
    public async Task ListedSnapshotsAreComplete()
    {
        var listed = Assert.Single(await _inventory.ListSnapshotsAsync(new SnapshotQuery { Ids = [_e.Id] }, None));
        Assert.Equal(_e with { Tags = listed.Tags, Details = listed.Details }, listed);
        AssertSameDictionary(_e.Tags, listed.Tags);
    }

    [ContractFact]
    public async Task ListsVolumesByBackendThenNameAndFiltersByBackendIgnoringCase()
    {
        Assert.Equal(["lab/db01", "lab/db02", "prod/web"], (await _inventory.ListVolumesAsync(null, None)).Select(v => $"{v.Backend}/{v.Name}"));
        Assert.Equal(["web"], (await _inventory.ListVolumesAsync(["PROD"], None)).Select(v => v.Name));
        Assert.Empty(await _inventory.ListVolumesAsync([], None));
        Assert.Equal(_web, await _inventory.FindVolumeAsync("prod", "WEB", None));
        Assert.Null(await _inventory.FindVolumeAsync("lab", "web", None));
    }

    [ContractFact]
    public async Task ListsClonesOfASnapshot()
    {
        Assert.Equal([_db02.Id], (await _inventory.ListClonesAsync(_a.Id, None)).Select(v => v.Id));
        Assert.Empty(await _inventory.ListClonesAsync(_b.Id, None));
    }

    [ContractFact]
    public async Task ListsOperationsByStateBackendAndVolumeOldestFirst()
    {
        var running = Operation(_db01, OperationState.Running, T0.AddMinutes(2));
        var failed = Operation(_db01, OperationState.Failed, T0.AddMinutes(1));
        var recover = Operation(_web, OperationState.NeedsRecovery, T0);
        await _inventory.WriteAsync(async tx =>
        {
            foreach (var op in new[] { running, failed, recover }) await tx.InsertOperationAsync(op, None);
        });

        async Task<string[]> Ids(IReadOnlyCollection<OperationState>? states, string? backend, string? volume) =>
            (await _inventory.ListOperationsAsync(states, backend, volume, None)).Select(o => o.Id).ToArray();

        Assert.Equal([recover.Id, failed.Id, running.Id], await Ids(null, null, null));
        Assert.Equal([recover.Id, running.Id], await Ids([OperationState.Running, OperationState.NeedsRecovery], null, null));
        Assert.Equal([failed.Id, running.Id], await Ids(null, "LAB", null));
        Assert.Equal([running.Id], await Ids([OperationState.Running], "lab", "DB01"));
        Assert.Equal([recover.Id], await Ids(null, null, "web"));
        Assert.Empty(await Ids([], null, null));
    }

    [ContractFact]
    public async Task ListsEventsAfterASequenceUpToALimit()
    {
        var sequences = new List<long>();
        await _inventory.WriteAsync(async tx =>
        {
            for (var i = 0; i < 5; i++) sequences.Add(await tx.AppendEventAsync(new StorageEvent { TimeUtc = T0, Kind = (EventKind)i }, None));
        });
        Assert.Equal([(EventKind)0, (EventKind)1], (await _inventory.ListEventsAsync(0, 2, None)).Select(e => e.Kind));
        Assert.Equal([(EventKind)2, (EventKind)3, (EventKind)4], (await _inventory.ListEventsAsync(sequences[1], 100, None)).Select(e => e.Kind));
        Assert.Empty(await _inventory.ListEventsAsync(sequences[4], 100, None));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _inventory.ListEventsAsync(0, 0, None));
    }

    private async Task<List<string>> NamesAsync(SnapshotQuery query) =>
        (await _inventory.ListSnapshotsAsync(query, None)).Select(s => s.Name).ToList();
}

/// <summary>The contract on an SQLite file.</summary>
public sealed class SqliteInventoryQueryTests() : InventoryQueryContract(new SqliteStore());

/// <summary>The contract on a PostgreSQL database.</summary>
[IntegrationRequirements(needsRoot: false, NeedsPostgres = true)]
public sealed class PostgresInventoryQueryTests() : InventoryQueryContract(new PostgresStore());
