using StorageSnapshot.Engine.Inventory.Rows;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

// Snapshots are the one record type listed by the thousand: read through raw statements (SnapshotRows).
internal abstract partial class SqliteInventoryReader
{
    /// <inheritdoc />
    public Task<Snapshot?> GetSnapshotAsync(string id, CancellationToken cancellationToken) =>
        QueryFirstRawAsync(SnapshotSql.ById, [new("$id", id)], row => SnapshotRows.ReadOne(new SqliteSnapshotColumns(row), Session.SnapshotValues), cancellationToken);

    /// <inheritdoc />
    public Task<Snapshot?> FindSnapshotByNameAsync(string volumeId, string name, CancellationToken cancellationToken) =>
        QueryFirstRawAsync(SnapshotSql.ByName, [new("$volume", volumeId), new("$name", name)], row => SnapshotRows.ReadOne(new SqliteSnapshotColumns(row), Session.SnapshotValues), cancellationToken);

    /// <inheritdoc />
    public Task<Snapshot?> FindSnapshotByClientTokenAsync(string volumeId, string clientToken, CancellationToken cancellationToken) =>
        QueryFirstRawAsync(SnapshotSql.ByClientToken, [new("$volume", volumeId), new("$token", clientToken)], row => SnapshotRows.ReadOne(new SqliteSnapshotColumns(row), Session.SnapshotValues), cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<Snapshot>> ListSnapshotsAsync(SnapshotQuery query, CancellationToken cancellationToken)
    {
        var (sql, parameters) = SnapshotSql.List(query);
        var rows = new SnapshotRows(Session.SnapshotValues);
        return await QueryRawAsync(sql, parameters, row => rows.Read(new SqliteSnapshotColumns(row)), cancellationToken).ConfigureAwait(false);
    }
}
