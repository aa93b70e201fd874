using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Drivers.Directory;
using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Operations;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Benchmarks;

/// <summary>
/// The copy and scale benchmarks go through the engine's façade — the journaled operations the cmdlets run —
/// on a directory backend and a repository of their own; only the volume's data is written below it, straight
/// through the directory driver.
/// </summary>
internal sealed class BenchEngine : IAsyncDisposable
{
    public const string Backend = "bench";
    public const string Destination = "bench";

    private BenchEngine(StorageSnapshotEngine engine, string primary, string repository)
    {
        Engine = engine;
        Primary = primary;
        Repository = repository;
    }

    public StorageSnapshotEngine Engine { get; }

    /// <summary>The directory backend's folder.</summary>
    public string Primary { get; }

    /// <summary>The repository directory.</summary>
    public string Repository { get; }

    /// <summary>Errors and warnings to stderr, nothing else; never asks.</summary>
    public static OperationContext Context { get; } = new(new QuietOutput(), static (_, _) => true, CancellationToken.None);

    /// <summary>Opens the engine of a benchmark folder (home, primary/, repository/ under <paramref name="root"/>).</summary>
    public static async Task<BenchEngine> OpenAsync(string root)
    {
        var engine = await StorageSnapshotEngine.OpenAsync(new EngineOptions { HomeDirectory = Path.Combine(root, "home") }, CancellationToken.None);
        return new BenchEngine(engine, Path.Combine(root, "primary"), Path.Combine(root, "repository"));
    }

    /// <summary>A new benchmark folder: the backend and the secondary storage registered.</summary>
    public static async Task<BenchEngine> CreateAsync(string root, int chunkSize, ChunkCompression compression = ChunkCompression.None)
    {
        var bench = await OpenAsync(root);
        Directory.CreateDirectory(bench.Primary);
        await bench.Engine.RegisterBackendAsync(new RegisterBackendRequest(Backend, DirectoryDriver.DriverName,
            new Dictionary<string, object?> { [DirectoryDriver.PathProperty] = bench.Primary }), Context);
        await bench.Engine.RegisterSecondaryStorageAsync(new RegisterSecondaryStorageRequest(Destination, bench.Repository)
        {
            CreateDirectory = true,
            ChunkSizeBytes = chunkSize,
            Compression = compression,
        }, Context);
        return bench;
    }

    public async Task<Volume> NewVolumeAsync(string name, long size) =>
        (await Engine.NewVolumeAsync(new NewVolumeRequest(Backend, name, size), Context))!;

    public async Task<Snapshot> SnapshotAsync(Volume volume, string name) =>
        (await Engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(volume)) { Name = name }, Context))!;

    public async Task<SnapshotCopy> CopyAsync(Snapshot snapshot, bool full = false) =>
        (await Engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(SnapshotSelector.Of(snapshot), Destination, full), Context))!;

    /// <summary>The directory driver itself, for writing a volume's data.</summary>
    public Task<IDriverBackend> OpenDriverAsync() =>
        new DirectoryDriver().OpenBackendAsync(Backend, new Dictionary<string, string> { [DirectoryDriver.PathProperty] = Primary }, CancellationToken.None);

    /// <summary>A writer on the volume's data, through the directory driver.</summary>
    public static Task<IBlockWriter> OpenWriterAsync(IDriverBackend driver, Volume volume) =>
        driver.OpenVolumeWriterAsync(DriverObjects.Of(volume), CancellationToken.None);

    /// <summary>A manifest's size on disk: the scale benchmark's "manifest bytes".</summary>
    public long ManifestBytes(string copyId) => new FileInfo(Path.Combine(Repository, "manifests", copyId + ".manifest")).Length;

    public ValueTask DisposeAsync() => Engine.DisposeAsync();

    private sealed class QuietOutput : IOperationOutput
    {
        public void WriteVerbose(string message) { }
        public void WriteWarning(string message) => Console.Error.WriteLine("warning: " + message);
        public void WriteProgress(ProgressInfo progress) { }
        public void WriteError(StorageSnapshotException error) => Console.Error.WriteLine("error: " + error.Message);
    }
}
