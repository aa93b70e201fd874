using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Drivers.Directory;
using StorageSnapshot.Engine.Facade;
using StorageSnapshot.TestHost;

namespace StorageSnapshot.Engine.Tests.Orchestration;

/// <summary>
/// A real engine on the ordinary filesystem: a temporary home (SQLite inventory, lock files) and a backend
/// directory under /tmp/storagesnapshot-orchestration-*, the real directory driver registered as "directory"
/// (wrapped in a <see cref="HookedDriver"/> so a test can slow it down or make it fail), and variants under
/// other names with capabilities added or removed. Deleted on dispose.
/// </summary>
public sealed class EngineTestBed : IAsyncDisposable
{
    public const string Backend = "lab";

    private EngineTestBed(string root)
    {
        Root = root;
        Home = Path.Combine(root, "home");
        BackendPath = Path.Combine(root, "backend");
        Directory.CreateDirectory(BackendPath);
        Driver = new HookedDriver(new DirectoryDriver());
        DependentClonesDriver = new HookedDriver(new DirectoryDriver(), "directory-dependent",
            add: DriverCapabilities.ClonesDependOnSnapshot | DriverCapabilities.RevertDestroysNewerSnapshots);
        NoRevertDriver = new HookedDriver(new DirectoryDriver(), "directory-norevert", remove: DriverCapabilities.Revert);
        Drivers = new DriverRegistry().Add(Driver).Add(DependentClonesDriver).Add(NoRevertDriver);
    }

    public string Root { get; }
    public string Home { get; }
    public string BackendPath { get; }
    internal HookedDriver Driver { get; }
    internal HookedDriver DependentClonesDriver { get; }
    internal HookedDriver NoRevertDriver { get; }
    public DriverRegistry Drivers { get; }
    public StorageSnapshotEngine Engine { get; private set; } = null!;

    /// <summary>Which inventory the beds use when the test names none: "postgresql", or SQLite when unset.</summary>
    public const string InventoryVariable = "STORAGESNAPSHOT_TEST_INVENTORY";

    /// <summary>The database this bed made for itself (dropped on dispose).</summary>
    private Inventory.PostgresStore? OwnStore { get; init; }

    /// <summary>A PostgreSQL inventory's connection string, or null for the SQLite file in <see cref="Home"/>.</summary>
    public string? InventoryConnectionString { get; init; }

    /// <summary>True when this bed's inventory is a PostgreSQL database (shared inventory), false for SQLite.</summary>
    public bool OnPostgres => InventoryConnectionString is not null;

    /// <summary>
    /// What a child process (StorageSnapshot.TestHost) opening this bed's home needs in its environment to open the same
    /// inventory: the database's connection string when the bed is on PostgreSQL (the home alone names the SQLite file).
    /// </summary>
    public IReadOnlyDictionary<string, string> ChildEnvironment =>
        InventoryConnectionString is null
            ? new Dictionary<string, string>()
            : new Dictionary<string, string> { [EngineOptions.InventoryVariable] = InventoryConnectionString };

    /// <summary>
    /// The operation locks of this bed's inventory as another process would take them: lock files in the home's lock
    /// directory (SQLite), or advisory locks on sessions of their own (PostgreSQL) — held apart from the engine's.
    /// </summary>
    internal StorageSnapshot.Engine.Inventory.IOperationLocks Locks => Operations.OperationLocks.For(Engine.Inventory, Engine.Options.LockDirectory);

    /// <summary>Takes <paramref name="key"/>'s operation lock as another holder would (fails the test if it is taken).</summary>
    internal async Task<IAsyncDisposable> HoldLockAsync(string key) =>
        await Locks.TryAcquireAsync(key, CancellationToken.None) ?? throw new Xunit.Sdk.XunitException($"The lock '{key}' is held already.");

    public EngineOptions Options(TimeSpan? lockTimeout = null) =>
        new() { HomeDirectory = Home, Drivers = Drivers, LockTimeout = lockTimeout ?? TimeSpan.FromSeconds(5), InventoryConnectionString = InventoryConnectionString };

    /// <summary>
    /// A bed with the engine open and, unless <paramref name="register"/> is false, backend "lab" registered; on the
    /// inventory <paramref name="inventoryConnectionString"/> names, else SQLite when <paramref name="sqlite"/> (the test
    /// is about SQLite), else the run's (<see cref="InventoryVariable"/>).
    /// </summary>
    public static async Task<EngineTestBed> CreateAsync(bool register = true, string driver = DirectoryDriver.DriverName, TimeSpan? lockTimeout = null,
        string? inventoryConnectionString = null, bool sqlite = false)
    {
        // STORAGESNAPSHOT_TEST_INVENTORY=postgresql runs every bed on a fresh PostgreSQL database: tests/run.sh runs the
        // classes with the InventoryKinds.Each trait once more so (suite StorageSnapshot.Engine.Tests-postgresql).
        Inventory.PostgresStore? store = null;
        if (inventoryConnectionString is null && !sqlite && string.Equals(Environment.GetEnvironmentVariable(InventoryVariable), "postgresql", StringComparison.OrdinalIgnoreCase))
        {
            store = new Inventory.PostgresStore();
            inventoryConnectionString = store.ConnectionString;
        }
        var bed = new EngineTestBed(Path.Combine(Path.GetTempPath(), $"storagesnapshot-orchestration-{Guid.NewGuid():N}"))
        {
            InventoryConnectionString = inventoryConnectionString,
            OwnStore = store,
        };
        bed.Engine = await StorageSnapshotEngine.OpenAsync(bed.Options(lockTimeout), CancellationToken.None);
        if (register)
        {
            await bed.Engine.RegisterBackendAsync(
                new RegisterBackendRequest(Backend, driver, new Dictionary<string, object?> { ["Path"] = bed.BackendPath }),
                OperationContext.Unattended());
        }
        return bed;
    }

    /// <summary>Closes the engine and opens a new one on the same home (what the next command does).</summary>
    public async Task<StorageSnapshotEngine> ReopenAsync(TimeSpan? lockTimeout = null)
    {
        await Engine.DisposeAsync();
        Engine = await StorageSnapshotEngine.OpenAsync(Options(lockTimeout), CancellationToken.None);
        return Engine;
    }

    public async Task<Volume> NewVolumeAsync(string name, long sizeBytes = 1 << 20)
    {
        var volume = await Engine.NewVolumeAsync(new NewVolumeRequest(Backend, name, sizeBytes), OperationContext.Unattended());
        return volume!;
    }

    public async Task<Snapshot> NewSnapshotAsync(string volume, string? name = null, IReadOnlyDictionary<string, string>? tags = null)
    {
        var snapshot = await Engine.NewSnapshotAsync(
            new NewSnapshotRequest(new VolumeSelector(Backend: Backend, Name: volume)) { Name = name, Tags = tags },
            OperationContext.Unattended());
        return snapshot!;
    }

    /// <summary>Writes bytes into a volume through its Location (the driver's path), as a hypervisor would.</summary>
    public static void Write(Volume volume, long offset, byte[] data)
    {
        using var file = new FileStream(volume.Location!, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        file.Position = offset;
        file.Write(data);
        file.Flush(flushToDisk: true);
    }

    public static byte[] Read(string location, long offset, int length)
    {
        using var file = new FileStream(location, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        file.Position = offset;
        var buffer = new byte[length];
        file.ReadExactly(buffer);
        return buffer;
    }

    /// <summary>
    /// Everything a change could touch, as one string: every inventory row (backends, volumes, snapshots,
    /// operations, events) and every file in the backend directory with its size and SHA-256. Two equal captures
    /// mean nothing changed.
    /// </summary>
    public async Task<string> CaptureAsync()
    {
        var inventory = Engine.Inventory;
        var ct = CancellationToken.None;
        var text = new StringBuilder();
        var json = new JsonSerializerOptions { WriteIndented = false };
        text.AppendLine(JsonSerializer.Serialize(await inventory.ListBackendsAsync(ct), json));
        text.AppendLine(JsonSerializer.Serialize(await inventory.ListVolumesAsync(null, ct), json));
        text.AppendLine(JsonSerializer.Serialize(await inventory.ListSnapshotsAsync(new Engine.Inventory.SnapshotQuery(), ct), json));
        text.AppendLine(JsonSerializer.Serialize(await inventory.ListOperationsAsync(null, null, null, ct), json));
        text.AppendLine(JsonSerializer.Serialize(await inventory.ListEventsAsync(0, int.MaxValue, ct), json));
        foreach (var file in Directory.EnumerateFiles(BackendPath, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var hash = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)));
            text.AppendLine($"{Path.GetRelativePath(BackendPath, file)} {new FileInfo(file).Length} {hash}");
        }
        return text.ToString();
    }

    /// <summary>The files under the backend directory, relative, sorted.</summary>
    public IReadOnlyList<string> BackendFiles() =>
        Directory.EnumerateFiles(BackendPath, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(BackendPath, f))
            .Order(StringComparer.Ordinal)
            .ToList();

    public async ValueTask DisposeAsync()
    {
        if (Engine is not null) await Engine.DisposeAsync();
        OwnStore?.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
