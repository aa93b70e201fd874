using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Inventory.Postgres;
using StorageSnapshot.Engine.Inventory.Sqlite;
using StorageSnapshot.Engine.Secrets;

namespace StorageSnapshot.Engine.Facade;

/// <summary>
/// Which inventory an engine opens: $env:STORAGESNAPSHOT_INVENTORY (a PostgreSQL connection string), else an
/// explicit <see cref="EngineOptions.InventoryPath"/>, else the per-user setting (<see cref="InventorySetting"/>,
/// written by Set-StorageInventory), else the SQLite file in the home folder.
/// </summary>
internal sealed record InventoryChoice(InventoryKind Kind, string Target, InventorySource Source)
{
    /// <summary>The choice for <paramref name="options"/>.</summary>
    public static InventoryChoice Resolve(EngineOptions options, ISecretStore secrets)
    {
        if (options.InventoryConnectionString is { } connectionString) return new(InventoryKind.PostgreSql, connectionString, InventorySource.Environment);
        if (options.HasExplicitInventoryPath) return new(InventoryKind.Sqlite, options.InventoryPath, InventorySource.Default);
        return InventorySetting.Read(options.HomeDirectory) switch
        {
            { Kind: InventoryKind.PostgreSql } setting => new(InventoryKind.PostgreSql, setting.RevealConnectionString(secrets), InventorySource.UserSetting),
            { Kind: InventoryKind.Sqlite, Path: { } path } => new(InventoryKind.Sqlite, path, InventorySource.UserSetting),
            _ => new(InventoryKind.Sqlite, options.InventoryPath, InventorySource.Default),
        };
    }

    /// <summary>Opens (creating and migrating) the chosen inventory.</summary>
    public async Task<ISnapshotInventory> OpenAsync(CancellationToken cancellationToken) => Kind == InventoryKind.PostgreSql
        ? await PostgresInventory.OpenAsync(Target, cancellationToken).ConfigureAwait(false)
        : await SqliteInventory.OpenAsync(Target, cancellationToken).ConfigureAwait(false);
}
