using System.Text;
using Microsoft.Data.Sqlite;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

internal abstract partial class SqliteInventoryReader
{
    private protected const string SecondaryStorageColumns = "name, kind, path, chunk_size, compression, registered, repository_id, properties";

    private protected const string CopyColumns =
        "id, destination, backend, volume, volume_id, snapshot_id, snapshot_name, state, base_copy_id, size, bytes_read, " +
        "bytes_written, bytes_changed, duration_ms, image_sha256, created, completed, error";

    /// <inheritdoc />
    public Task<SecondaryStorage?> GetSecondaryStorageAsync(string name, CancellationToken cancellationToken) =>
        QuerySingleAsync($"SELECT {SecondaryStorageColumns} FROM secondary_storages WHERE name = $name",
            p => p.Set("$name", name), ReadSecondaryStorage, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<SecondaryStorage>> ListSecondaryStoragesAsync(CancellationToken cancellationToken) =>
        await QueryAsync($"SELECT {SecondaryStorageColumns} FROM secondary_storages ORDER BY name", null, ReadSecondaryStorage, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public Task<SnapshotCopy?> GetCopyAsync(string id, CancellationToken cancellationToken) =>
        QuerySingleAsync($"SELECT {CopyColumns} FROM copies WHERE id = $id", p => p.Set("$id", id), ReadCopy, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<SnapshotCopy>> ListCopiesAsync(CopyQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = new StringBuilder($"SELECT {CopyColumns} FROM copies WHERE 1 = 1");
        if (query.Ids is not null) sql.Append(" AND id IN (SELECT value FROM json_each($ids))");
        if (query.SnapshotIds is not null) sql.Append(" AND snapshot_id IN (SELECT value FROM json_each($snapshots))");
        if (query.VolumeId is not null) sql.Append(" AND volume_id = $volume_id");
        if (query.Destinations is not null) sql.Append(" AND destination IN (SELECT value FROM json_each($destinations))");
        if (query.States is not null) sql.Append(" AND state IN (SELECT value FROM json_each($states))");
        sql.Append(" ORDER BY created, id");
        return await QueryAsync(sql.ToString(), p =>
        {
            if (query.Ids is not null) p.Set("$ids", SqliteValues.ToJsonArray(query.Ids));
            if (query.SnapshotIds is not null) p.Set("$snapshots", SqliteValues.ToJsonArray(query.SnapshotIds));
            if (query.VolumeId is not null) p.Set("$volume_id", query.VolumeId);
            // json_each compares with the column's NOCASE collation only on the column side: normalise here.
            if (query.Destinations is not null) p.Set("$destinations", SqliteValues.ToJsonArray(query.Destinations));
            if (query.States is not null) p.Set("$states", SqliteValues.ToJsonArray(query.States.Select(SqliteValues.ToText)));
        }, ReadCopy, cancellationToken).ConfigureAwait(false);
    }

    private protected static SecondaryStorage ReadSecondaryStorage(SqliteDataReader r) => new()
    {
        Name = r.GetString(0),
        Kind = r.GetEnum<SecondaryStorageKind>(1),
        Path = r.GetString(2),
        ChunkSizeBytes = r.GetInt32(3),
        Compression = r.GetEnum<ChunkCompression>(4),
        RegisteredUtc = r.GetUtc(5),
        RepositoryId = r.IsDBNull(6) ? null : r.GetString(6),
        Properties = SecondaryStoragePropertiesJson.FromColumn(r.IsDBNull(7) ? null : r.GetString(7)),
    };

    private protected static SnapshotCopy ReadCopy(SqliteDataReader r)
    {
        var duration = TimeSpan.FromMilliseconds(r.GetInt64(13));
        var bytesRead = r.GetInt64(10);
        return new SnapshotCopy
        {
            Id = r.GetString(0),
            Destination = r.GetString(1),
            Backend = r.GetString(2),
            Volume = r.GetString(3),
            VolumeId = r.GetNullableString(4),
            SnapshotId = r.GetString(5),
            Snapshot = r.GetNullableString(6),
            State = r.GetEnum<CopyState>(7),
            BaseCopyId = r.GetNullableString(8),
            SizeBytes = r.GetInt64(9),
            BytesRead = bytesRead,
            BytesWritten = r.GetInt64(11),
            BytesChanged = r.GetInt64(12),
            Duration = duration,
            BytesPerSecond = duration > TimeSpan.Zero ? bytesRead / duration.TotalSeconds : 0,
            ImageSha256 = r.GetNullableString(14),
            CreatedUtc = r.GetUtc(15),
            CompletedUtc = r.GetNullableUtc(16),
            ErrorMessage = r.GetNullableString(17),
        };
    }
}
