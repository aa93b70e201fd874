using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Naming;

namespace StorageSnapshot.Engine.Tests.Inventory;

/// <summary>Records with every field set (or deliberately left empty), at millisecond precision.</summary>
internal static class InventorySamples
{
    public static readonly CancellationToken None = CancellationToken.None;

    /// <summary>A UTC time with no sub-millisecond ticks (the inventory stores milliseconds).</summary>
    public static DateTime Utc(int year, int month, int day, int hour = 0, int minute = 0, int second = 0, int millisecond = 0) =>
        new(year, month, day, hour, minute, second, millisecond, DateTimeKind.Utc);

    public static Backend Backend(string name = "lab") => new()
    {
        Name = name,
        Driver = "directory",
        Properties = Dict(("Path", "/srv/lab"), ("Ünïcode", "värde ✓")),
        MaintenanceMode = true,
        MaintenanceReason = "firmware upgrade — 🛠",
        RegisteredUtc = Utc(2026, 11, 22, 3, 4, 5, 678),
    };

    public static Volume Volume(string backend = "lab", string name = "db01", DateTime? created = null) => new()
    {
        Id = Ids.New(),
        Name = name,
        Backend = backend,
        SizeBytes = 10L << 30,
        State = VolumeState.Available,
        Location = $"/srv/{backend}/{name}.img",
        DriverReference = $"{name}.img",
        CreatedUtc = created ?? Utc(2026, 11, 1, 12),
        CreatedFromSnapshotId = Ids.New(),
        HeadSnapshotId = Ids.New(),
        ErrorMessage = "last revert failed: ✗",
    };

    public static Snapshot Snapshot(Volume volume, string name, DateTime created, string? clientToken = null) => new()
    {
        Id = Ids.New(created),
        Name = name,
        VolumeId = volume.Id,
        Volume = volume.Name,
        Backend = volume.Backend,
        CreatedUtc = created,
        SizeBytes = volume.SizeBytes,
        State = SnapshotState.Ready,
        Description = "nightly — 夜間",
        Tags = Dict(("app", "db"), ("Ünïcode", "ja ✓"), ("when", "2026-11-22T03:00:00Z")),
        ExpiresUtc = created.AddDays(7),
        ClientToken = clientToken,
        ParentId = Ids.New(),
        DriverReference = $"{volume.Name}@{name}",
        Location = $"/srv/{volume.Backend}/.snapshots/{volume.Name}@{name}",
        Details = Dict(("copyMethod", "reflink")),
        ErrorMessage = "driver said: \"no\"",
    };

    public static Operation Operation(Volume volume, OperationState state, DateTime started) => new()
    {
        Id = Ids.New(started),
        Kind = OperationKind.CreateSnapshot,
        State = state,
        Backend = volume.Backend,
        Volume = volume.Name,
        TargetKind = TargetKind.Snapshot,
        TargetId = Ids.New(),
        StartedUtc = started,
        EndedUtc = started.AddSeconds(3),
        Attempts = 2,
        Error = "timeout ⏱",
        Owner = "host1:1234:638000000000000000",
        Details = new CreateSnapshotDetails { SnapshotKey = "01SNAPKEY", VolumeId = volume.Id, VolumeReference = "db01.tmp ⏱" },
    };

    public static Dictionary<string, string> Dict(params (string Key, string Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);

    /// <summary>Opens a transaction, runs <paramref name="work"/>, commits.</summary>
    public static async Task WriteAsync(this ISnapshotInventory inventory, Func<IInventoryTransaction, Task> work)
    {
        await using var transaction = await inventory.BeginAsync(None);
        await work(transaction);
        await transaction.CommitAsync(None);
    }

    /// <summary>Asserts the dictionaries hold the same pairs and the read one ignores key case.</summary>
    public static void AssertSameDictionary(IReadOnlyDictionary<string, string> expected, IReadOnlyDictionary<string, string> actual)
    {
        Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), actual.OrderBy(p => p.Key, StringComparer.Ordinal));
        foreach (var key in expected.Keys) Assert.True(actual.ContainsKey(key.ToUpperInvariant()), $"key '{key}' must match case-insensitively");
    }
}
