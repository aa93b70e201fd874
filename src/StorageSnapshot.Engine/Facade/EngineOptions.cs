using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Operations;
using StorageSnapshot.Engine.Secondary;

namespace StorageSnapshot.Engine.Facade;

/// <summary>How an engine is opened. <see cref="FromEnvironment"/> gives what the cmdlets use.</summary>
public sealed record EngineOptions
{
    /// <summary>Environment variable naming the home folder (inventory, locks).</summary>
    public const string HomeVariable = "STORAGESNAPSHOT_HOME";

    /// <summary>
    /// Folder for the SQLite inventory and the lock files. Must be a local disk: SQLite's locking is not
    /// reliable on network shares.
    /// </summary>
    public required string HomeDirectory { get; init; }

    /// <summary>
    /// Environment variable holding a PostgreSQL connection string: when set, the shared inventory in that database
    /// is used (whatever Set-StorageInventory chose).
    /// </summary>
    public const string InventoryVariable = "STORAGESNAPSHOT_INVENTORY";

    private readonly string? inventoryPath;

    /// <summary>
    /// The SQLite inventory file: inventory.db in the home folder unless set (or unless Set-StorageInventory -Path
    /// chose another file, which <see cref="StorageSnapshotEngine.OpenAsync"/> reads).
    /// </summary>
    public string InventoryPath
    {
        get => inventoryPath ?? Path.Combine(HomeDirectory, "inventory.db");
        init => inventoryPath = value;
    }

    /// <summary>True when <see cref="InventoryPath"/> was set explicitly (it then wins over the per-user setting).</summary>
    internal bool HasExplicitInventoryPath => inventoryPath is not null;

    /// <summary>
    /// A PostgreSQL connection string: the shared inventory in that database instead of SQLite. From
    /// <see cref="InventoryVariable"/> in <see cref="FromEnvironment"/>; null: the per-user setting, else SQLite.
    /// </summary>
    public string? InventoryConnectionString { get; init; }

    /// <summary>Folder of the per-volume lock files.</summary>
    public string LockDirectory => Path.Combine(HomeDirectory, "locks");

    /// <summary>How long an operation waits for another one on the same volume before VolumeBusy.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The drivers available to backends.</summary>
    public DriverRegistry Drivers { get; init; } = DriverRegistry.CreateDefault();

    /// <summary>
    /// The kinds of secondary storage (where copy repositories live) and how each is opened; by default the built-in
    /// ones, made on first use so that the S3 kind protects its secrets with <see cref="SecretStore"/> (or the user's).
    /// </summary>
    internal ChunkStoreRegistry ChunkStores
    {
        get => _chunkStores ??= ChunkStoreRegistry.CreateDefault(SecretStore ?? Secrets.SecretStores.ForUser(HomeDirectory));
        init => _chunkStores = value;
    }

    private ChunkStoreRegistry? _chunkStores;

    /// <summary>
    /// Where secret backend properties are protected; null: <see cref="Secrets.SecretStores.ForUser"/> (DPAPI on
    /// Windows, else AES-GCM with the key file $STORAGESNAPSHOT_SECRET_KEY_FILE or secrets.key in the home folder).
    /// </summary>
    internal Secrets.ISecretStore? SecretStore { get; init; }

    /// <summary>What the operation runner needs of these options.</summary>
    internal RunnerSettings ForRunner() => new(Drivers, ChunkStores, LockDirectory, LockTimeout);

    /// <summary>
    /// $STORAGESNAPSHOT_HOME if set, else the per-user data folder (~/.local/share/StorageSnapshot on Linux,
    /// ~/Library/Application Support/StorageSnapshot on macOS since .NET 8, %LOCALAPPDATA%\StorageSnapshot on Windows).
    /// </summary>
    public static EngineOptions FromEnvironment()
    {
        var home = Environment.GetEnvironmentVariable(HomeVariable);
        if (string.IsNullOrWhiteSpace(home))
        {
            home = Path.Combine(
                Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create),
                "StorageSnapshot");
        }
        var connectionString = Environment.GetEnvironmentVariable(InventoryVariable);
        return new EngineOptions
        {
            HomeDirectory = Path.GetFullPath(home),
            InventoryConnectionString = string.IsNullOrWhiteSpace(connectionString) ? null : connectionString,
        };
    }
}
