using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Tests.Infrastructure;
using static StorageSnapshot.Engine.Tests.Inventory.InventorySamples;

namespace StorageSnapshot.Engine.Tests.Inventory;

/// <summary>Every field of every record comes back as written, through a reopen of the file.</summary>
public abstract class InventoryRoundTripContract : IDisposable
{
    private readonly InventoryStore _folder;

    private protected InventoryRoundTripContract(InventoryStore store) => _folder = store;

    public void Dispose() => _folder.Dispose();

    [ContractFact]
    public async Task BackendsRoundTripWithFullAndEmptyFields()
    {
        var full = Backend("lab");
        var minimal = new Backend { Name = "bare", Driver = "directory", RegisteredUtc = Utc(2020, 1, 1) };
        await using (var inventory = await _folder.OpenAsync())
        {
            await inventory.WriteAsync(async tx =>
            {
                await tx.InsertBackendAsync(full, None);
                await tx.InsertBackendAsync(minimal, None);
            });
        }

        await using var reopened = await _folder.OpenAsync();
        AssertSame(full, await reopened.GetBackendAsync("LAB", None));
        AssertSame(minimal, await reopened.GetBackendAsync("bare", None));
        Assert.Equal(["bare", "lab"], (await reopened.ListBackendsAsync(None)).Select(b => b.Name));
        Assert.Null(await reopened.GetBackendAsync("nope", None));
    }

    [ContractFact]
    public async Task BackendUpdateReplacesPropertiesAndMaintenanceOnly()
    {
        await using var inventory = await _folder.OpenAsync();
        var original = Backend("lab");
        await inventory.WriteAsync(tx => tx.InsertBackendAsync(original, None));

        var changed = original with
        {
            Driver = "ignored",
            RegisteredUtc = Utc(1999, 1, 1),
            Properties = Dict(),
            MaintenanceMode = false,
            MaintenanceReason = null,
        };
        await inventory.WriteAsync(tx => tx.UpdateBackendAsync(changed, None));

        AssertSame(original with { Properties = Dict(), MaintenanceMode = false, MaintenanceReason = null }, await inventory.GetBackendAsync("lab", None));
    }

    [ContractFact]
    public async Task VolumesRoundTripWithFullAndNullFields()
    {
        var full = Volume("lab", "db01");
        var minimal = new Volume { Id = "01MINIMAL", Name = "empty", Backend = "lab", CreatedUtc = Utc(2026, 1, 1) };
        await using (var inventory = await _folder.OpenAsync())
        {
            await inventory.WriteAsync(async tx =>
            {
                await tx.InsertBackendAsync(Backend("lab"), None);
                await tx.InsertVolumeAsync(full, None);
                await tx.InsertVolumeAsync(minimal, None);
            });
        }

        await using var reopened = await _folder.OpenAsync();
        var readFull = await reopened.GetVolumeAsync(full.Id, None);
        Assert.Equal(full, readFull);
        Assert.Equal(DateTimeKind.Utc, readFull!.CreatedUtc.Kind);
        Assert.Equal(minimal, await reopened.GetVolumeAsync(minimal.Id, None));
        Assert.Equal(full, await reopened.FindVolumeAsync("LAB", "DB01", None));
        Assert.Null(await reopened.GetVolumeAsync("missing", None));
    }

    [ContractFact]
    public async Task VolumeUpdateReplacesEveryFieldButBackend()
    {
        await using var inventory = await _folder.OpenAsync();
        var original = Volume("lab", "db01");
        await inventory.WriteAsync(async tx =>
        {
            await tx.InsertBackendAsync(Backend("lab"), None);
            await tx.InsertVolumeAsync(original, None);
        });
        var changed = new Volume
        {
            Id = original.Id, Name = "renamed", Backend = "lab", SizeBytes = 1, State = VolumeState.Error,
            CreatedUtc = Utc(2030, 2, 3, 4, 5, 6, 7),
        };
        await inventory.WriteAsync(tx => tx.UpdateVolumeAsync(changed, None));
        Assert.Equal(changed, await inventory.GetVolumeAsync(original.Id, None));
    }

    [ContractFact]
    public async Task SnapshotsRoundTripWithFullAndEmptyFieldsAndCarryVolumeAndBackendNames()
    {
        var volume = Volume("Lab", "db01");
        var full = Snapshot(volume, "nightly-1", Utc(2026, 11, 22, 3, 0, 0, 1), clientToken: "token-Ω");
        var minimal = new Snapshot
        {
            Id = "01MINIMALSNAPSHOT", Name = "bare", VolumeId = volume.Id, Volume = "", Backend = "",
            CreatedUtc = Utc(2026, 11, 22), State = SnapshotState.Creating,
        };
        await using (var inventory = await _folder.OpenAsync())
        {
            await inventory.WriteAsync(async tx =>
            {
                await tx.InsertBackendAsync(Backend("lab"), None);
                // The volume names the backend in another case: the backend's own spelling is stored.
                await tx.InsertVolumeAsync(volume, None);
                await tx.InsertSnapshotAsync(full, None);
                await tx.InsertSnapshotAsync(minimal, None);
            });
        }

        await using var reopened = await _folder.OpenAsync();
        AssertSame(full with { Backend = "lab" }, await reopened.GetSnapshotAsync(full.Id, None));
        var readMinimal = await reopened.GetSnapshotAsync(minimal.Id, None);
        AssertSame(minimal with { Volume = "db01", Backend = "lab" }, readMinimal);
        Assert.Empty(readMinimal!.Tags);
        Assert.Empty(readMinimal.Details);
        Assert.Null(readMinimal.ExpiresUtc);
        AssertSame(full with { Backend = "lab" }, await reopened.FindSnapshotByNameAsync(volume.Id, "NIGHTLY-1", None));
        AssertSame(full with { Backend = "lab" }, await reopened.FindSnapshotByClientTokenAsync(volume.Id, "token-Ω", None));
        Assert.Null(await reopened.FindSnapshotByClientTokenAsync(volume.Id, "TOKEN-Ω", None));
        Assert.Null(await reopened.GetSnapshotAsync("missing", None));
    }

    [ContractFact]
    public async Task DictionariesReadFromTheInventoryAreReadOnly()
    {
        var volume = Volume("lab", "db01");
        await using var inventory = await _folder.OpenAsync();
        await inventory.WriteAsync(async tx =>
        {
            await tx.InsertBackendAsync(Backend("lab"), None);
            await tx.InsertVolumeAsync(volume, None);
            await tx.InsertSnapshotAsync(Snapshot(volume, "s1", Utc(2026, 11, 22)), None);
            await tx.InsertSnapshotAsync(Snapshot(volume, "s2", Utc(2026, 11, 23)), None);
        });

        // Rows with the same tags may share one dictionary, so none of them can be changed in place.
        var listed = await inventory.ListSnapshotsAsync(new SnapshotQuery(), None);
        Assert.All(listed, s => Assert.Throws<NotSupportedException>(() => ((IDictionary<string, string>)s.Tags)["app"] = "changed"));
        Assert.All(listed, s => Assert.Equal("db", s.Tags["APP"]));
        var backend = await inventory.GetBackendAsync("lab", None);
        Assert.Throws<NotSupportedException>(() => ((IDictionary<string, string>)backend!.Properties).Clear());
    }

    [ContractFact]
    public async Task SnapshotUpdateReplacesEveryFieldButVolume()
    {
        await using var inventory = await _folder.OpenAsync();
        var volume = Volume("lab", "db01");
        var original = Snapshot(volume, "s1", Utc(2026, 11, 22));
        await inventory.WriteAsync(async tx =>
        {
            await tx.InsertBackendAsync(Backend("lab"), None);
            await tx.InsertVolumeAsync(volume, None);
            await tx.InsertSnapshotAsync(original, None);
        });
        var changed = new Snapshot
        {
            Id = original.Id, Name = "s1-renamed", VolumeId = volume.Id, Volume = "db01", Backend = "lab",
            CreatedUtc = Utc(2027, 1, 1), SizeBytes = 42, State = SnapshotState.Error, Tags = Dict(("x", "y")),
            ClientToken = "late-token",
        };
        await inventory.WriteAsync(tx => tx.UpdateSnapshotAsync(changed, None));
        AssertSame(changed, await inventory.GetSnapshotAsync(original.Id, None));
    }

    [ContractFact]
    public async Task OperationsRoundTripAndUpdate()
    {
        var volume = Volume("lab", "db01");
        var full = Operation(volume, OperationState.Running, Utc(2026, 11, 22, 1));
        var minimal = new Operation { Id = "01MINIMALOP", Backend = "lab", StartedUtc = Utc(2026, 11, 22, 2) };
        await using (var inventory = await _folder.OpenAsync())
        {
            await inventory.WriteAsync(async tx =>
            {
                await tx.InsertOperationAsync(full, None);
                await tx.InsertOperationAsync(minimal, None);
            });
        }

        await using var reopened = await _folder.OpenAsync();
        AssertSame(full, await reopened.GetOperationAsync(full.Id, None));
        AssertSame(minimal, await reopened.GetOperationAsync(minimal.Id, None));

        var finished = full with
        {
            State = OperationState.Failed,
            EndedUtc = Utc(2026, 11, 22, 1, 5),
            Attempts = 3,
            Details = new CreateSnapshotDetails { SnapshotKey = "01SNAPKEY", VolumeId = volume.Id },
        };
        await reopened.WriteAsync(tx => tx.UpdateOperationAsync(finished, None));
        AssertSame(finished, await reopened.GetOperationAsync(full.Id, None));
    }

    [ContractFact]
    public async Task EventsRoundTripWithAssignedSequences()
    {
        var full = new StorageEvent
        {
            Sequence = 999, TimeUtc = Utc(2026, 11, 22, 3, 4, 5, 6), Kind = EventKind.SnapshotCreated, Backend = "lab",
            Volume = "db01", TargetKind = TargetKind.Snapshot, TargetId = "01ABC", Bytes = 1L << 40, OperationId = "01OP",
            Message = "Snapshot 'nightly' of db01 — ✓",
        };
        var minimal = new StorageEvent { TimeUtc = Utc(2026, 11, 22), Kind = EventKind.BackendRegistered };
        long first, second;
        await using (var inventory = await _folder.OpenAsync())
        {
            await using var tx = await inventory.BeginAsync(None);
            first = await tx.AppendEventAsync(full, None);
            second = await tx.AppendEventAsync(minimal, None);
            await tx.CommitAsync(None);
        }
        Assert.True(second > first);

        await using var reopened = await _folder.OpenAsync();
        var events = await reopened.ListEventsAsync(0, 10, None);
        // An event without a user and host is recorded with this process's (migration 5: who did it).
        Assert.Equal([full with { Sequence = first, User = Environment.UserName, Host = Environment.MachineName },
            minimal with { Sequence = second, User = Environment.UserName, Host = Environment.MachineName }], events);
        Assert.All(events, e => Assert.Equal(DateTimeKind.Utc, e.TimeUtc.Kind));
    }

    [ContractFact]
    public async Task TimesComeBackAsUtcWhateverKindWasGiven()
    {
        var local = new DateTime(2026, 6, 1, 12, 0, 0, DateTimeKind.Local);
        var unspecified = new DateTime(2026, 6, 1, 12, 0, 0, DateTimeKind.Unspecified);
        var precise = Utc(2026, 6, 1, 12).AddTicks(12_345); // 1.2345 ms
        await using var inventory = await _folder.OpenAsync();
        await inventory.WriteAsync(async tx =>
        {
            await tx.InsertBackendAsync(Backend("local") with { RegisteredUtc = local }, None);
            await tx.InsertBackendAsync(Backend("unspecified") with { RegisteredUtc = unspecified }, None);
            await tx.InsertBackendAsync(Backend("precise") with { RegisteredUtc = precise }, None);
            await tx.InsertBackendAsync(Backend("ancient") with { RegisteredUtc = DateTime.MinValue }, None);
        });

        var read = (await inventory.ListBackendsAsync(None)).ToDictionary(b => b.Name, b => b.RegisteredUtc);
        Assert.All(read.Values, t => Assert.Equal(DateTimeKind.Utc, t.Kind));
        Assert.Equal(local.ToUniversalTime(), read["local"]);
        Assert.Equal(DateTime.SpecifyKind(unspecified, DateTimeKind.Utc), read["unspecified"]);
        Assert.Equal(Utc(2026, 6, 1, 12, 0, 0, 1), read["precise"]);
        Assert.Equal(DateTime.MinValue, read["ancient"]);
    }

    private static void AssertSame(Backend expected, Backend? actual)
    {
        Assert.NotNull(actual);
        AssertSameDictionary(expected.Properties, actual.Properties);
        Assert.Equal(expected with { Properties = actual.Properties }, actual);
        Assert.Equal(DateTimeKind.Utc, actual.RegisteredUtc.Kind);
    }

    private static void AssertSame(Snapshot expected, Snapshot? actual)
    {
        Assert.NotNull(actual);
        AssertSameDictionary(expected.Tags, actual.Tags);
        AssertSameDictionary(expected.Details, actual.Details);
        Assert.Equal(expected with { Tags = actual.Tags, Details = actual.Details }, actual);
        Assert.Equal(DateTimeKind.Utc, actual.CreatedUtc.Kind);
        if (actual.ExpiresUtc is { } expires) Assert.Equal(DateTimeKind.Utc, expires.Kind);
    }

    private static void AssertSame(Operation expected, Operation? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected, actual); // the details record compares by value
        Assert.Equal(DateTimeKind.Utc, actual.StartedUtc.Kind);
    }
}

/// <summary>The contract on an SQLite file.</summary>
public sealed class SqliteInventoryRoundTripTests() : InventoryRoundTripContract(new SqliteStore());

/// <summary>The contract on a PostgreSQL database.</summary>
[IntegrationRequirements(needsRoot: false, NeedsPostgres = true)]
public sealed class PostgresInventoryRoundTripTests() : InventoryRoundTripContract(new PostgresStore());
