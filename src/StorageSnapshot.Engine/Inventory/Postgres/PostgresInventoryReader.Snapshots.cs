using System.Text;
using Npgsql;
using StorageSnapshot.Engine.Inventory.Rows;
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
        QuerySingleAsync(SnapshotById, p => p.SetText("id", id), SnapshotMapper.Single().Read, cancellationToken);

    /// <inheritdoc />
    public Task<Snapshot?> FindSnapshotByNameAsync(string volumeId, string name, CancellationToken cancellationToken) =>
        QuerySingleAsync(SnapshotByName, p =>
        {
            p.SetText("volume", volumeId);
            p.SetText("name", name);
        }, SnapshotMapper.Single().Read, cancellationToken);

    /// <inheritdoc />
    public Task<Snapshot?> FindSnapshotByClientTokenAsync(string volumeId, string clientToken, CancellationToken cancellationToken) =>
        QuerySingleAsync(SnapshotByClientToken, p =>
        {
            p.SetText("volume", volumeId);
            p.SetText("token", clientToken);
        }, SnapshotMapper.Single().Read, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<Snapshot>> ListSnapshotsAsync(SnapshotQuery query, CancellationToken cancellationToken)
    {
        var (sql, bind) = SnapshotList(query);
        return await QueryAsync(sql, bind, SnapshotMapper.Listing().Read, new RowList<Snapshot>(), static (rows, row) => rows.Add(row), cancellationToken).ConfigureAwait(false);
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
    /// The records of a snapshot query's rows, through the mapper SQLite uses too (<see cref="SnapshotRows"/>: repeated
    /// values shared, rarely read ones kept as bytes until read). Its caches live as long as the query: reads run at
    /// once on pooled connections, and nothing read is kept from one query to the next.
    /// </summary>
    private sealed class SnapshotMapper
    {
        private readonly SnapshotRows? _rows;
        private readonly PostgresRowBytes _bytes = new();

        private SnapshotMapper(bool listing) => _rows = listing ? new SnapshotRows(new SnapshotValueCache()) : null;

        /// <summary>A mapper for the rows of one listing.</summary>
        public static SnapshotMapper Listing() => new(listing: true);

        /// <summary>A mapper for a query of one row (values decoded at once: there is nothing to share them with).</summary>
        public static SnapshotMapper Single() => new(listing: false);

        public Snapshot Read(NpgsqlDataReader reader)
        {
            _bytes.NextRow();
            var row = new PostgresSnapshotColumns(reader, _bytes);
            return _rows is null ? SnapshotRows.ReadOne(row, new SnapshotValueCache()) : _rows.Read(row);
        }
    }
}
