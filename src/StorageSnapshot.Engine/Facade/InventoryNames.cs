using StorageSnapshot.Engine.Inventory.Sqlite;
using StorageSnapshot.Engine.Inventory.Sqlite.Migrations;

namespace StorageSnapshot.Engine.Facade;

/// <summary>
/// The names and ids in the inventory, for tab completion: opened read-only — no home folder created, no schema
/// migrated, no dead operation marked, nothing written — and asked narrow questions answered in SQL (a prefix, the
/// objects already typed, at most <c>limit</c> answers), so that a keystroke costs the same whatever the size of
/// the inventory. Open one per completion and dispose it.
/// </summary>
public sealed class InventoryNames : IAsyncDisposable
{
    private readonly SqliteInventoryNames _names;

    private InventoryNames(SqliteInventoryNames names) => _names = names;

    /// <summary>
    /// Opens the inventory of <paramref name="options"/> read-only; null when there is none yet, or it cannot be
    /// read (locked, damaged, of a newer schema): completion then offers nothing rather than fail.
    /// </summary>
    public static async Task<InventoryNames?> OpenAsync(EngineOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        // A shared (PostgreSQL) inventory is not read for completion: a keystroke must not wait on a network
        // round trip or a password; completion offers nothing there. An unreadable setting offers nothing too.
        if (options.InventoryConnectionString is not null) return null;
        InventorySetting? setting;
        try
        {
            setting = options.HasExplicitInventoryPath ? null : InventorySetting.Read(options.HomeDirectory);
        }
        catch (InventoryUnavailableException)
        {
            return null;
        }
        if (setting is { Kind: InventoryKind.PostgreSql }) return null;
        var path = setting is { Kind: InventoryKind.Sqlite, Path: { } chosen } ? chosen : options.InventoryPath;
        var names = await SqliteInventoryNames.OpenAsync(path, SqliteMigrations.All[^1].Version, cancellationToken).ConfigureAwait(false);
        return names is null ? null : new InventoryNames(names);
    }

    /// <summary>Backend names starting with <paramref name="prefix"/>, in order.</summary>
    public Task<IReadOnlyList<string>> BackendNamesAsync(string prefix, int limit, CancellationToken cancellationToken) =>
        _names.BackendNamesAsync(prefix, limit, cancellationToken);

    /// <summary>Secondary storage names starting with <paramref name="prefix"/>, in order.</summary>
    public Task<IReadOnlyList<string>> SecondaryStorageNamesAsync(string prefix, int limit, CancellationToken cancellationToken) =>
        _names.SecondaryStorageNamesAsync(prefix, limit, cancellationToken);

    /// <summary>Snapshot policy names starting with <paramref name="prefix"/>, in order.</summary>
    public Task<IReadOnlyList<string>> PolicyNamesAsync(string prefix, int limit, CancellationToken cancellationToken) =>
        _names.PolicyNamesAsync(prefix, limit, cancellationToken);

    /// <summary>Volume names starting with <paramref name="prefix"/>, on the backends matching <paramref name="backends"/> (patterns; all when null).</summary>
    public Task<IReadOnlyList<string>> VolumeNamesAsync(string prefix, IReadOnlyCollection<string>? backends, int limit, CancellationToken cancellationToken) =>
        _names.VolumeNamesAsync(prefix, backends, limit, cancellationToken);

    /// <summary>Snapshot names starting with <paramref name="prefix"/>, of the volumes and backends matching the patterns (all when null).</summary>
    public Task<IReadOnlyList<string>> SnapshotNamesAsync(string prefix, IReadOnlyCollection<string>? volumes, IReadOnlyCollection<string>? backends, int limit,
        CancellationToken cancellationToken) =>
        _names.SnapshotNamesAsync(prefix, volumes, backends, limit, cancellationToken);

    /// <summary>The names copies go by (their snapshots'), starting with <paramref name="prefix"/>, on the destinations and of the volumes matching the patterns.</summary>
    public Task<IReadOnlyList<string>> CopyNamesAsync(string prefix, IReadOnlyCollection<string>? destinations, IReadOnlyCollection<string>? volumes, int limit,
        CancellationToken cancellationToken) =>
        _names.CopySnapshotNamesAsync(prefix, destinations, volumes, limit, cancellationToken);

    /// <summary>Volumes whose id starts with <paramref name="prefix"/>, oldest first.</summary>
    public Task<IReadOnlyList<InventoryName>> VolumeIdsAsync(string prefix, IReadOnlyCollection<string>? backends, int limit, CancellationToken cancellationToken) =>
        _names.VolumeIdsAsync(prefix, backends, limit, cancellationToken);

    /// <summary>Snapshots whose id starts with <paramref name="prefix"/>, oldest first.</summary>
    public Task<IReadOnlyList<InventoryName>> SnapshotIdsAsync(string prefix, IReadOnlyCollection<string>? volumes, IReadOnlyCollection<string>? backends, int limit,
        CancellationToken cancellationToken) =>
        _names.SnapshotIdsAsync(prefix, volumes, backends, limit, cancellationToken);

    /// <summary>Copies whose id starts with <paramref name="prefix"/>, oldest first.</summary>
    public Task<IReadOnlyList<InventoryName>> CopyIdsAsync(string prefix, IReadOnlyCollection<string>? destinations, int limit, CancellationToken cancellationToken) =>
        _names.CopyIdsAsync(prefix, destinations, limit, cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _names.DisposeAsync();
}
