using System.Text;
using Npgsql;
using StorageSnapshot.Engine.Inventory.Sqlite;

namespace StorageSnapshot.Engine.Inventory.Postgres;

// Snapshots: the one record type listed by the thousand. A row carries its volume's and backend's names, so every
// read joins volumes (a primary-key lookup per row), as on SQLite (SnapshotSql).
internal abstract partial class PostgresInventoryReader
{
    /// <summary>The select shared by every snapshot query; <see cref="ReadSnapshot"/> maps its columns in this order.</summary>
    internal const string SnapshotSelect = """
        SELECT s.id, s.volume_id, v.name::text, v.backend::text, s.name::text, s.created, s.size, s.state, s.description, s.tags,
               s.expires, s.client_token, s.parent_id, s.driver_ref, s.location, s.details, s.error
        FROM snapshots s JOIN volumes v ON v.id = s.volume_id
        """;

    internal const string SnapshotById = SnapshotSelect + " WHERE s.id = @id";
    internal const string SnapshotByName = SnapshotSelect + " WHERE s.volume_id = @volume AND s.name = @name::citext";
    internal const string SnapshotByClientToken = SnapshotSelect + " WHERE s.volume_id = @volume AND s.client_token = @token";

    /// <inheritdoc />
    public Task<Snapshot?> GetSnapshotAsync(string id, CancellationToken cancellationToken) =>
        QuerySingleAsync(SnapshotById, p => p.SetText("id", id), new SnapshotMapper().Read, cancellationToken);

    /// <inheritdoc />
    public Task<Snapshot?> FindSnapshotByNameAsync(string volumeId, string name, CancellationToken cancellationToken) =>
        QuerySingleAsync(SnapshotByName, p =>
        {
            p.SetText("volume", volumeId);
            p.SetText("name", name);
        }, new SnapshotMapper().Read, cancellationToken);

    /// <inheritdoc />
    public Task<Snapshot?> FindSnapshotByClientTokenAsync(string volumeId, string clientToken, CancellationToken cancellationToken) =>
        QuerySingleAsync(SnapshotByClientToken, p =>
        {
            p.SetText("volume", volumeId);
            p.SetText("token", clientToken);
        }, new SnapshotMapper().Read, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<Snapshot>> ListSnapshotsAsync(SnapshotQuery query, CancellationToken cancellationToken)
    {
        var (sql, bind) = SnapshotList(query);
        return await QueryAsync(sql, bind, new SnapshotMapper().Read, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The SQL and binding of a listing; only the filters given appear, so each combination gets its plan.</summary>
    internal static (string Sql, Action<NpgsqlParameterCollection> Bind) SnapshotList(SnapshotQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = new StringBuilder(SnapshotSelect).Append(" WHERE true");
        if (query.Ids is not null) sql.Append(" AND s.id = ANY (@ids)");
        // The common case gets a plain equality: one range scan of ix_snapshots_volume_created, already in order.
        if (query.VolumeIds is { Count: 1 }) sql.Append(" AND s.volume_id = @volume");
        else if (query.VolumeIds is not null) sql.Append(" AND s.volume_id = ANY (@volumes)");
        if (query.Backends is not null) sql.Append(" AND v.backend = ANY (@backends::citext[])");
        if (query.States is not null) sql.Append(" AND s.state = ANY (@states)");
        if (query.ParentId is not null) sql.Append(" AND s.parent_id = @parent");
        if (query.ExpiresAtOrBeforeUtc is not null) sql.Append(" AND s.expires <= @expires");
        sql.Append(" ORDER BY s.created, s.id");
        return (sql.ToString(), p =>
        {
            if (query.Ids is { } ids) p.SetTextArray("ids", ids);
            if (query.VolumeIds is { Count: 1 } one) p.SetText("volume", one.First());
            else if (query.VolumeIds is { } volumes) p.SetTextArray("volumes", volumes);
            if (query.Backends is { } backends) p.SetTextArray("backends", backends);
            if (query.States is { } states) p.SetTextArray("states", states.Select(SqliteValues.ToText));
            if (query.ParentId is { } parent) p.SetText("parent", parent);
            if (query.ExpiresAtOrBeforeUtc is { } expires) p.SetTime("expires", expires);
        }
        );
    }

    /// <summary>
    /// Maps the rows of one snapshot query. Values that repeat from row to row (the volume's names, the state, the
    /// tags and details JSON of a series) are parsed once and shared while they repeat: records are immutable.
    /// </summary>
    private sealed class SnapshotMapper
    {
        private string? _volumeId, _volumeName, _backend, _tagsJson, _detailsJson;
        private IReadOnlyDictionary<string, string>? _tags, _details;

        public Snapshot Read(NpgsqlDataReader r)
        {
            var volumeId = r.GetString(1);
            if (volumeId != _volumeId)
            {
                _volumeId = volumeId;
                _volumeName = r.GetString(2);
                _backend = r.GetString(3);
            }
            var tags = r.GetString(9);
            if (tags != _tagsJson)
            {
                _tagsJson = tags;
                _tags = Dictionary(tags, "snapshot tags");
            }
            var details = r.GetString(15);
            if (details != _detailsJson)
            {
                _detailsJson = details;
                _details = Dictionary(details, "snapshot details");
            }
            return new Snapshot
            {
                Id = r.GetString(0),
                VolumeId = _volumeId,
                Volume = _volumeName!,
                Backend = _backend!,
                Name = r.GetString(4),
                CreatedUtc = r.GetUtc(5),
                SizeBytes = r.GetInt64(6),
                State = r.GetEnum<SnapshotState>(7),
                Description = r.GetNullableString(8),
                Tags = _tags!,
                ExpiresUtc = r.GetNullableUtc(10),
                ClientToken = r.GetNullableString(11),
                ParentId = r.GetNullableString(12),
                DriverReference = r.GetNullableString(13),
                Location = r.GetNullableString(14),
                Details = _details!,
                ErrorMessage = r.GetNullableString(16),
            };
        }

        private static IReadOnlyDictionary<string, string> Dictionary(string json, string what) =>
            new System.Collections.ObjectModel.ReadOnlyDictionary<string, string>(SqliteValues.FromJson(json, what));
    }
}
