using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Drivers.CephRbd;
using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Tests.Infrastructure;
using StorageSnapshot.TestHost;

namespace StorageSnapshot.Engine.Tests.Drivers.CephRbd;

/// <summary>
/// A real engine (the ceph-rbd driver, wrapped in a <see cref="HookedDriver"/>, and the directory driver) with a ceph-rbd backend "ceph" in a fresh
/// namespace of the test pool, a temporary home and a folder for secondary storage. The admin key is given as a
/// credential, so it is stored encrypted and revealed to the driver only. Everything is removed on dispose.
/// </summary>
public sealed class CephEngineBed : IAsyncDisposable
{
    public const string Backend = "ceph";

    private CephEngineBed(string root, CephTestNamespace space, StorageSnapshotEngine engine, Dictionary<string, string> driverProperties, HookedDriver driver)
    {
        Driver = driver;
        Root = root;
        Space = space;
        Engine = engine;
        DriverProperties = driverProperties;
    }

    public string Root { get; }

    /// <summary>The ceph-rbd driver the engine uses, wrapped so that a test can act before reads and writes.</summary>
    internal HookedDriver Driver { get; }

    public CephTestNamespace Space { get; }

    public StorageSnapshotEngine Engine { get; private set; }

    /// <summary>The backend's properties in clear, for opening the driver directly (to write and read volumes).</summary>
    public Dictionary<string, string> DriverProperties { get; }

    public string SecondaryPath => Path.Combine(Root, "secondary");

    public static async Task<CephEngineBed> CreateAsync(params (string Key, string Value)[] more)
    {
        CephTestCluster.Require();
        var root = System.IO.Directory.CreateTempSubdirectory("storagesnapshot-ceph-engine-").FullName;
        var space = await CephTestNamespace.CreateAsync("engine");
        var driver = new HookedDriver(new CephRbdDriver());
        var engine = await StorageSnapshotEngine.OpenAsync(Options(root, driver), CancellationToken.None);
        var properties = CephTestCluster.Properties(space.Name, more);
        var given = properties.Where(p => p.Key is not ("User" or "Key")).ToDictionary(p => p.Key, p => (object?)p.Value);
        await engine.RegisterBackendAsync(new RegisterBackendRequest(Backend, CephRbdDriver.DriverName, given)
        {
            Credential = new BackendCredential("admin", CephTestCluster.AdminKey()),
        }, OperationContext.Unattended());
        properties["Key"] = CephTestCluster.AdminKey();
        return new CephEngineBed(root, space, engine, properties, driver);
    }

    private static EngineOptions Options(string root, HookedDriver driver) => new()
    {
        HomeDirectory = Path.Combine(root, "home"),
        LockTimeout = TimeSpan.FromSeconds(10),
        Drivers = new DriverRegistry().Add(driver).Add(new Engine.Drivers.Directory.DirectoryDriver()),
    };

    /// <summary>Closes the engine and opens another on the same home (a new command).</summary>
    public async Task ReopenAsync()
    {
        await Engine.DisposeAsync();
        Engine = await StorageSnapshotEngine.OpenAsync(Options(Root, Driver), CancellationToken.None);
    }

    /// <summary>
    /// Another engine on the same home with new driver instances (what the next PowerShell command has): it shares no
    /// connection with this one. The caller disposes it.
    /// </summary>
    public Task<StorageSnapshotEngine> OpenNextCommandEngineAsync() =>
        StorageSnapshotEngine.OpenAsync(new EngineOptions { HomeDirectory = Path.Combine(Root, "home"), LockTimeout = TimeSpan.FromSeconds(10) }, CancellationToken.None);

    public async Task<Volume> NewVolumeAsync(string name, long sizeBytes) =>
        (await Engine.NewVolumeAsync(new NewVolumeRequest(Backend, name, sizeBytes), OperationContext.Unattended()))!;

    public async Task<Snapshot> NewSnapshotAsync(string volume, string? name = null) =>
        (await Engine.NewSnapshotAsync(new NewSnapshotRequest(new VolumeSelector(Backend: Backend, Name: volume)) { Name = name }, OperationContext.Unattended()))!;

    /// <summary>Writes into a volume through the driver (what a VM would do).</summary>
    public async Task WriteAsync(string volume, long offset, byte[] data)
    {
        await using var backend = await OpenDriverAsync();
        await using var writer = await backend.OpenVolumeWriterAsync(new DriverObject { Reference = volume, Location = "" }, CancellationToken.None);
        await writer.WriteAsync(offset, data, CancellationToken.None);
        await writer.FlushAsync(CancellationToken.None);
    }

    /// <summary>Every byte of a volume, read through a snapshot the driver takes and removes.</summary>
    public async Task<byte[]> ReadVolumeAsync(string volume)
    {
        await using var backend = await OpenDriverAsync();
        var image = new DriverObject { Reference = volume, Location = "" };
        var snapshot = await backend.CreateSnapshotAsync(image, "read-" + Guid.NewGuid().ToString("N"), CancellationToken.None);
        try
        {
            return await ReadAsync(backend, snapshot);
        }
        finally
        {
            await backend.DeleteSnapshotAsync(snapshot, CancellationToken.None);
        }
    }

    public async Task<IDriverBackend> OpenDriverAsync() =>
        await new CephRbdDriver().OpenBackendAsync(Backend, DriverProperties, CancellationToken.None);

    private static async Task<byte[]> ReadAsync(IDriverBackend backend, DriverObject snapshot)
    {
        using var reader = await backend.OpenSnapshotReaderAsync(snapshot, CancellationToken.None);
        var bytes = new byte[reader.Length];
        for (var offset = 0; offset < bytes.Length;)
            offset += await reader.ReadAsync(offset, bytes.AsMemory(offset, Math.Min(4 << 20, bytes.Length - offset)), CancellationToken.None);
        return bytes;
    }

    public async ValueTask DisposeAsync()
    {
        await Engine.DisposeAsync();
        Space.Dispose();
        try
        {
            System.IO.Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a temp folder
        }
    }
}
