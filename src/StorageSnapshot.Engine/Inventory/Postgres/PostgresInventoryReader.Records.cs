using System.Text;
using Npgsql;
using StorageSnapshot.Engine.Inventory.Sqlite;

namespace StorageSnapshot.Engine.Inventory.Postgres;

// Backends, volumes, operations, events, secondary storages, copies and policies: the SQLite inventory's queries,
// column for column (so the row mappers read the same positions), in PostgreSQL's words. Names are ordered as SQLite's
// NOCASE orders them — lower-cased, then byte order (COLLATE "C") — whatever collation the database was created with.
internal abstract partial class PostgresInventoryReader
{
    private protected const string BackendColumns = "name::text, driver, properties, maintenance, reason, registered";

    private protected const string VolumeColumns =
        "id, backend::text, name::text, size, state, location, driver_ref, created, created_from_snapshot_id, head_snapshot_id, error";

    private protected const string OperationColumns =
        "id, kind, state, backend::text, volume::text, destination::text, target_kind, target_id, started, ended, attempts, error, owner, details, recovery, recovery_note";

    private protected const string EventColumns =
        "sequence, time, kind, backend::text, volume::text, target_kind, target_id, bytes, operation_id, message, \"user\", host";

    private protected const string SecondaryStorageColumns = "name::text, kind, path, chunk_size, compression, registered, repository_id::text, properties";

    private protected const string CopyColumns =
        "id, destination::text, backend::text, volume::text, volume_id, snapshot_id, snapshot_name, state, base_copy_id, size, bytes_read, " +
        "bytes_written, bytes_changed, duration_ms, image_sha256, created, completed, error";

    private protected const string PolicyColumns = "id, name::text, definition, created, updated";

    /// <inheritdoc />
    public Task<Backend?> GetBackendAsync(string name, CancellationToken cancellationToken) =>
        QuerySingleAsync($"SELECT {BackendColumns} FROM backends WHERE name = @name::citext", p => p.SetText("name", name), ReadBackend, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<Backend>> ListBackendsAsync(CancellationToken cancellationToken) =>
        await QueryAsync($"SELECT {BackendColumns} FROM backends ORDER BY name COLLATE \"C\"", null, ReadBackend, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public Task<Volume?> GetVolumeAsync(string id, CancellationToken cancellationToken) =>
        QuerySingleAsync($"SELECT {VolumeColumns} FROM volumes WHERE id = @id", p => p.SetText("id", id), ReadVolume, cancellationToken);

    /// <inheritdoc />
    public Task<Volume?> FindVolumeAsync(string backend, string name, CancellationToken cancellationToken) =>
        QuerySingleAsync($"SELECT {VolumeColumns} FROM volumes WHERE backend = @backend::citext AND name = @name::citext",
            p =>
            {
                p.SetText("backend", backend);
                p.SetText("name", name);
            }, ReadVolume, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<Volume>> ListVolumesAsync(IReadOnlyCollection<string>? backends, CancellationToken cancellationToken) =>
        backends is null
            ? await QueryAsync($"SELECT {VolumeColumns} FROM volumes ORDER BY backend COLLATE \"C\", name COLLATE \"C\"", null, ReadVolume, cancellationToken).ConfigureAwait(false)
            : await QueryAsync($"SELECT {VolumeColumns} FROM volumes WHERE backend = ANY (@backends::citext[]) ORDER BY backend COLLATE \"C\", name COLLATE \"C\"",
                p => p.SetTextArray("backends", backends), ReadVolume, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<IReadOnlyList<Volume>> ListClonesAsync(string snapshotId, CancellationToken cancellationToken) =>
        await QueryAsync($"SELECT {VolumeColumns} FROM volumes WHERE created_from_snapshot_id = @snapshot ORDER BY created, id",
            p => p.SetText("snapshot", snapshotId), ReadVolume, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public Task<Operation?> GetOperationAsync(string id, CancellationToken cancellationToken) =>
        QuerySingleAsync($"SELECT {OperationColumns} FROM operations WHERE id = @id", p => p.SetText("id", id), ReadOperation, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<Operation>> ListOperationsAsync(IReadOnlyCollection<OperationState>? states, string? backend, string? volume, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder($"SELECT {OperationColumns} FROM operations WHERE true");
        if (states is not null) sql.Append(" AND state = ANY (@states)");
        if (backend is not null) sql.Append(" AND backend = @backend::citext");
        if (volume is not null) sql.Append(" AND volume = @volume::citext");
        sql.Append(" ORDER BY started, id");
        return await QueryAsync(sql.ToString(), p =>
        {
            if (states is not null) p.SetTextArray("states", states.Select(SqliteValues.ToText));
            if (backend is not null) p.SetText("backend", backend);
            if (volume is not null) p.SetText("volume", volume);
        }, ReadOperation, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StorageEvent>> ListEventsAsync(long afterSequence, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return await QueryAsync($"SELECT {EventColumns} FROM events WHERE sequence > @after ORDER BY sequence LIMIT @limit",
            p =>
            {
                p.Set("after", afterSequence);
                p.Set("limit", limit);
            }, ReadEvent, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<SecondaryStorage?> GetSecondaryStorageAsync(string name, CancellationToken cancellationToken) =>
        QuerySingleAsync($"SELECT {SecondaryStorageColumns} FROM secondary_storages WHERE name = @name::citext",
            p => p.SetText("name", name), ReadSecondaryStorage, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<SecondaryStorage>> ListSecondaryStoragesAsync(CancellationToken cancellationToken) =>
        await QueryAsync($"SELECT {SecondaryStorageColumns} FROM secondary_storages ORDER BY name COLLATE \"C\"", null, ReadSecondaryStorage, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public Task<SnapshotCopy?> GetCopyAsync(string id, CancellationToken cancellationToken) =>
        QuerySingleAsync($"SELECT {CopyColumns} FROM copies WHERE id = @id", p => p.SetText("id", id), ReadCopy, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<SnapshotCopy>> ListCopiesAsync(CopyQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = new StringBuilder($"SELECT {CopyColumns} FROM copies WHERE true");
        if (query.Ids is not null) sql.Append(" AND id = ANY (@ids)");
        if (query.SnapshotIds is not null) sql.Append(" AND snapshot_id = ANY (@snapshots)");
        if (query.VolumeId is not null) sql.Append(" AND volume_id = @volume_id");
        if (query.Destinations is not null) sql.Append(" AND destination = ANY (@destinations::citext[])");
        if (query.States is not null) sql.Append(" AND state = ANY (@states)");
        sql.Append(" ORDER BY created, id");
        return await QueryAsync(sql.ToString(), p =>
        {
            if (query.Ids is not null) p.SetTextArray("ids", query.Ids);
            if (query.SnapshotIds is not null) p.SetTextArray("snapshots", query.SnapshotIds);
            if (query.VolumeId is not null) p.SetText("volume_id", query.VolumeId);
            if (query.Destinations is not null) p.SetTextArray("destinations", query.Destinations);
            if (query.States is not null) p.SetTextArray("states", query.States.Select(SqliteValues.ToText));
        }, ReadCopy, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<SnapshotPolicy?> GetPolicyAsync(string name, CancellationToken cancellationToken) =>
        QuerySingleAsync($"SELECT {PolicyColumns} FROM snapshot_policies WHERE name = @name::citext", p => p.SetText("name", name), ReadPolicy, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<SnapshotPolicy>> ListPoliciesAsync(CancellationToken cancellationToken) =>
        await QueryAsync($"SELECT {PolicyColumns} FROM snapshot_policies ORDER BY name COLLATE \"C\"", null, ReadPolicy, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<IReadOnlyList<PolicyCopy>> ListPolicyCopiesAsync(string policy, CancellationToken cancellationToken) =>
        await QueryAsync("SELECT copy_id, policy::text, slot FROM policy_copies WHERE policy = @policy::citext ORDER BY slot, copy_id COLLATE \"C\"",
            p => p.SetText("policy", policy), r => new PolicyCopy(r.GetString(0), r.GetString(1), r.GetUtc(2)), cancellationToken).ConfigureAwait(false);

    private protected static Backend ReadBackend(NpgsqlDataReader r) => new()
    {
        Name = r.GetString(0),
        Driver = r.GetString(1),
        Properties = r.GetDictionary(2, "backend properties"),
        MaintenanceMode = r.GetBoolean(3),
        MaintenanceReason = r.GetNullableString(4),
        RegisteredUtc = r.GetUtc(5),
    };

    private protected static Volume ReadVolume(NpgsqlDataReader r) => new()
    {
        Id = r.GetString(0),
        Backend = r.GetString(1),
        Name = r.GetString(2),
        SizeBytes = r.GetInt64(3),
        State = r.GetEnum<VolumeState>(4),
        Location = r.GetNullableString(5),
        DriverReference = r.GetNullableString(6),
        CreatedUtc = r.GetUtc(7),
        CreatedFromSnapshotId = r.GetNullableString(8),
        HeadSnapshotId = r.GetNullableString(9),
        ErrorMessage = r.GetNullableString(10),
    };

    private protected static Operation ReadOperation(NpgsqlDataReader r)
    {
        var id = r.GetString(0);
        var kind = r.GetEnum<OperationKind>(1);
        return new Operation
        {
            Id = id,
            Kind = kind,
            State = r.GetEnum<OperationState>(2),
            Backend = r.GetNullableString(3),
            Volume = r.GetNullableString(4),
            Destination = r.GetNullableString(5),
            TargetKind = r.GetEnum<TargetKind>(6),
            TargetId = r.GetNullableString(7),
            StartedUtc = r.GetUtc(8),
            EndedUtc = r.GetNullableUtc(9),
            Attempts = r.GetInt32(10),
            Error = r.GetNullableString(11),
            Owner = r.GetNullableString(12),
            Details = OperationDetailsJson.Read(kind, r.GetNullableString(13), id),
            Recovery = r.IsDBNull(14) ? null : r.GetEnum<RecoveryDirection>(14),
            RecoveryNote = r.GetNullableString(15),
        };
    }

    private protected static StorageEvent ReadEvent(NpgsqlDataReader r) => new()
    {
        Sequence = r.GetInt64(0),
        TimeUtc = r.GetUtc(1),
        Kind = r.GetEnum<EventKind>(2),
        Backend = r.GetNullableString(3),
        Volume = r.GetNullableString(4),
        TargetKind = r.IsDBNull(5) ? null : r.GetEnum<TargetKind>(5),
        TargetId = r.GetNullableString(6),
        Bytes = r.IsDBNull(7) ? null : r.GetInt64(7),
        OperationId = r.GetNullableString(8),
        Message = r.GetNullableString(9),
        User = r.GetNullableString(10),
        Host = r.GetNullableString(11),
    };

    private protected static SecondaryStorage ReadSecondaryStorage(NpgsqlDataReader r) => new()
    {
        Name = r.GetString(0),
        Kind = r.GetEnum<SecondaryStorageKind>(1),
        Path = r.GetString(2),
        ChunkSizeBytes = r.GetInt32(3),
        Compression = r.GetEnum<ChunkCompression>(4),
        RegisteredUtc = r.GetUtc(5),
        RepositoryId = r.GetNullableString(6),
        Properties = SecondaryStoragePropertiesJson.FromColumn(r.GetNullableString(7)),
    };

    private protected static SnapshotCopy ReadCopy(NpgsqlDataReader r)
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

    private protected static SnapshotPolicy ReadPolicy(NpgsqlDataReader r) =>
        PolicyDefinitionJson.Read(r.GetString(2), r.GetString(0), r.GetString(1), r.GetUtc(3), r.GetUtc(4));
}
