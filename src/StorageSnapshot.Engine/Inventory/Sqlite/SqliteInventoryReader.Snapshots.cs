namespace StorageSnapshot.Engine.Inventory.Sqlite;

// Snapshots are the one record type listed by the thousand: read through raw statements (SnapshotRows).
internal abstract partial class SqliteInventoryReader
{
    /// <inheritdoc />
    public async Task<Snapshot?> GetSnapshotAsync(string id, CancellationToken cancellationToken) =>
        First(await QueryRawAsync(SnapshotSql.ById, [new("$id", id)], new SnapshotRows().Read, cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public async Task<Snapshot?> FindSnapshotByNameAsync(string volumeId, string name, CancellationToken cancellationToken) =>
        First(await QueryRawAsync(SnapshotSql.ByName, [new("$volume", volumeId), new("$name", name)], new SnapshotRows().Read, cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public async Task<Snapshot?> FindSnapshotByClientTokenAsync(string volumeId, string clientToken, CancellationToken cancellationToken) =>
        First(await QueryRawAsync(SnapshotSql.ByClientToken, [new("$volume", volumeId), new("$token", clientToken)], new SnapshotRows().Read, cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public async Task<IReadOnlyList<Snapshot>> ListSnapshotsAsync(SnapshotQuery query, CancellationToken cancellationToken)
    {
        var (sql, parameters) = SnapshotSql.List(query);
        return await QueryRawAsync(sql, parameters, new SnapshotRows().Read, cancellationToken).ConfigureAwait(false);
    }

    private static Snapshot? First(List<Snapshot> rows) => rows.Count > 0 ? rows[0] : null;
}
