using Microsoft.Data.Sqlite;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

public abstract partial class SqliteInventoryReader
{
    /// <inheritdoc />
    public Task<Snapshot?> GetSnapshotAsync(string id, CancellationToken cancellationToken) =>
        QuerySingleAsync(SnapshotSql.ById, p => p.Set("$id", id), SnapshotSql.Read, cancellationToken);

    /// <inheritdoc />
    public Task<Snapshot?> FindSnapshotByNameAsync(string volumeId, string name, CancellationToken cancellationToken) =>
        QuerySingleAsync(SnapshotSql.ByName,
            p =>
            {
                p.Set("$volume", volumeId);
                p.Set("$name", name);
            }, SnapshotSql.Read, cancellationToken);

    /// <inheritdoc />
    public Task<Snapshot?> FindSnapshotByClientTokenAsync(string volumeId, string clientToken, CancellationToken cancellationToken) =>
        QuerySingleAsync(SnapshotSql.ByClientToken,
            p =>
            {
                p.Set("$volume", volumeId);
                p.Set("$token", clientToken);
            }, SnapshotSql.Read, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<Snapshot>> ListSnapshotsAsync(SnapshotQuery query, CancellationToken cancellationToken)
    {
        var (sql, parameters) = SnapshotSql.List(query);
        return await QueryAsync(sql,
            p =>
            {
                foreach (var (name, value) in parameters) p.Set(name, value);
            }, SnapshotSql.Read, cancellationToken).ConfigureAwait(false);
    }
}
