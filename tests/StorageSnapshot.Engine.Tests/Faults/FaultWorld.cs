using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Secondary.Repository;
using StorageSnapshot.TestHost.Faults;

namespace StorageSnapshot.Engine.Tests.Faults;

/// <summary>
/// One world of the fault suite, under /tmp/storagesnapshot-faults-*: a home folder (inventory, volume locks), a
/// directory backend "lab", a repository registered as "nfs1" (64 KiB chunks), a folder of decoys beside them and
/// the working, home and temporary folders child processes get (<see cref="OutsideGuard"/>), the engine opened
/// with the directory driver and the repository behind one <see cref="FaultPlan"/> (disarmed while the test sets
/// things up or checks them), and the test's <see cref="ContentModel"/>. A world can be saved as a
/// <see cref="WorldTemplate"/> and put back in place, so that every fault case starts from the same state.
/// </summary>
internal sealed class FaultWorld : IAsyncDisposable
{
    public const int ChunkSize = 64 * 1024;

    /// <summary>Four chunks: enough for parallel transfers, a hole and a rewrite, small enough to hash after every run.</summary>
    public const long VolumeSize = 4L * ChunkSize;

    private FaultWorld(string root)
    {
        Root = root;
        Home = Path.Combine(root, "home");
        BackendPath = Path.Combine(root, "backend");
        RepositoryPath = Path.Combine(root, "repo");
        Outside = new OutsideGuard(root);
        Options = FaultScenarios.Options(Home, Plan, TimeSpan.FromSeconds(5));
    }

    public string Root { get; }
    public string Home { get; }
    public string BackendPath { get; }
    public string RepositoryPath { get; }
    public OutsideGuard Outside { get; }
    public FaultPlan Plan { get; } = new();
    public EngineOptions Options { get; }
    public StorageSnapshotEngine Engine { get; private set; } = null!;
    public ContentModel Model { get; private set; } = new();

    /// <summary>Image hashes of manifests already restored, by the manifest file's hash (see <see cref="InvariantChecker"/>).</summary>
    public Dictionary<string, string> RestoredImages { get; } = new(StringComparer.Ordinal);

    /// <param name="label">Part of the folder's name.</param>
    /// <param name="parent">Where to make it (a filesystem under test); default the temporary folder.</param>
    public static async Task<FaultWorld> CreateAsync(string label, string? parent = null)
    {
        var root = parent is null
            ? Directory.CreateTempSubdirectory($"storagesnapshot-faults-{label}-").FullName
            : Directory.CreateDirectory(Path.Combine(parent, $"storagesnapshot-faults-{label}-{Guid.NewGuid():N}")).FullName;
        var world = new FaultWorld(root);
        Directory.CreateDirectory(world.BackendPath);
        world.Outside.Plant();
        world.Engine = await StorageSnapshotEngine.OpenAsync(world.Options, CancellationToken.None);
        await world.Engine.RegisterBackendAsync(
            new RegisterBackendRequest(FaultOperation.Backend, "directory", new Dictionary<string, object?> { ["Path"] = world.BackendPath }),
            OperationContext.Unattended());
        await world.Engine.RegisterSecondaryStorageAsync(
            new RegisterSecondaryStorageRequest(FaultOperation.Destination, world.RepositoryPath) { ChunkSizeBytes = ChunkSize, CreateDirectory = true },
            OperationContext.Unattended());
        return world;
    }

    /// <summary>Closes the engine and opens it again, as the next command does (which marks dead operations NeedsRecovery).</summary>
    public async Task ReopenAsync()
    {
        await Engine.DisposeAsync();
        Engine = await StorageSnapshotEngine.OpenAsync(Options, CancellationToken.None);
    }

    /// <summary>The hash of the inventory's files (database and write-ahead log): changes whenever a transaction commits.</summary>
    public string InventoryStamp() =>
        string.Join(";", new[] { "inventory.db", "inventory.db-wal" }.Select(name => Path.Combine(Home, name))
            .Select(path => File.Exists(path) ? ImageHash.OfFile(path) : "-"));

    public Task<InventoryState> ReadStateAsync() => InventoryState.ReadAsync(Engine.Inventory);

    /// <summary>Reads the inventory and moves the model on by the journal entries it has not seen.</summary>
    public async Task<InventoryState> SettleModelAsync()
    {
        var state = await ReadStateAsync();
        Model.Apply(state);
        return state;
    }

    // --- setting a world up (the plan is disarmed) ---

    public async Task<Volume> NewVolumeAsync(string name, long sizeBytes = VolumeSize)
    {
        var volume = await Engine.NewVolumeAsync(new NewVolumeRequest(FaultOperation.Backend, name, sizeBytes), OperationContext.Unattended());
        await SettleModelAsync();
        return volume!;
    }

    public async Task<Snapshot> SnapshotAsync(string volume, string name)
    {
        var snapshot = await Engine.NewSnapshotAsync(new NewSnapshotRequest(new VolumeSelector(Backend: FaultOperation.Backend, Name: volume)) { Name = name }, OperationContext.Unattended());
        await SettleModelAsync();
        return snapshot!;
    }

    public async Task<SnapshotCopy> CopyAsync(string snapshotId)
    {
        var copy = await Engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(new SnapshotSelector(Id: snapshotId), FaultOperation.Destination), OperationContext.Unattended());
        await SettleModelAsync();
        return copy!;
    }

    /// <summary>
    /// Writes into an Available volume through its Location, as a hypervisor would: random bytes over the given
    /// chunks, zeros over <paramref name="zeroChunks"/> (a real write of zeros, not a hole).
    /// </summary>
    public async Task WriteAsync(string volumeName, int seed, int[] chunks, int[]? zeroChunks = null)
    {
        var volume = (await Engine.Inventory.FindVolumeAsync(FaultOperation.Backend, volumeName, CancellationToken.None))!;
        WriteInto(volume, new Random(seed), chunks, zeroChunks ?? Array.Empty<int>());
    }

    /// <summary>The same with a caller's random source (the kill loop).</summary>
    public void WriteInto(Volume volume, Random random, IEnumerable<int> chunks, IEnumerable<int> zeroChunks)
    {
        using (var file = new FileStream(volume.Location!, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            var data = new byte[ChunkSize];
            foreach (var chunk in chunks)
            {
                random.NextBytes(data);
                file.Position = (long)chunk * ChunkSize;
                file.Write(data, 0, (int)Math.Min(ChunkSize, volume.SizeBytes - file.Position));
            }
            Array.Clear(data);
            foreach (var chunk in zeroChunks)
            {
                file.Position = (long)chunk * ChunkSize;
                file.Write(data, 0, (int)Math.Min(ChunkSize, volume.SizeBytes - file.Position));
            }
            file.Flush(flushToDisk: true);
        }
        Model.Wrote(volume.Id, ImageHash.OfFile(volume.Location!));
    }

    // --- templates ---

    /// <summary>Saves the home, backend and repository (holes kept) and the model; the engine is reopened afterwards.</summary>
    public async Task<WorldTemplate> SaveAsync()
    {
        await Engine.DisposeAsync();
        var template = WorldTemplate.Capture(Root, new[] { Home, BackendPath, RepositoryPath }, Model.Clone());
        Engine = await StorageSnapshotEngine.OpenAsync(Options, CancellationToken.None);
        return template;
    }

    /// <summary>Puts a saved state back in place (same paths, so every stored Location still holds) and reopens.</summary>
    public async Task RestoreAsync(WorldTemplate template)
    {
        Plan.Disarm();
        await Engine.DisposeAsync();
        template.Restore(Root, new[] { Home, BackendPath, RepositoryPath });
        Model = template.Model.Clone();
        Engine = await StorageSnapshotEngine.OpenAsync(Options, CancellationToken.None);
    }

    /// <summary>Opens the repository directly (not through the plan), for checks.</summary>
    public Task<FileSystemChunkStore> OpenRepositoryAsync() => FileSystemChunkStore.OpenAsync(RepositoryPath, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        if (Engine is not null) await Engine.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
