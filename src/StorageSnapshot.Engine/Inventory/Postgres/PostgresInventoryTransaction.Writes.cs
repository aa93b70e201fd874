using Npgsql;
using StorageSnapshot.Engine.Inventory.Sqlite;

namespace StorageSnapshot.Engine.Inventory.Postgres;

// Every write of the SQLite inventory's transaction, with the same refusals (the same error ids and messages).
internal sealed partial class PostgresInventoryTransaction
{
    /// <inheritdoc />
    public async Task InsertBackendAsync(Backend backend, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(backend);
        try
        {
            await ExecuteAsync("INSERT INTO backends (name, driver, properties, maintenance, reason, registered) " +
                               "VALUES (@name, @driver, @properties, @maintenance, @reason, @registered)",
                p =>
                {
                    p.SetText("name", backend.Name);
                    p.SetText("driver", backend.Driver);
                    p.SetTime("registered", backend.RegisteredUtc);
                    BindBackendSettings(p, backend);
                }, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.IsUniqueViolation(out _))
        {
            throw new ConflictException(ErrorIds.AlreadyExists, $"A backend named '{backend.Name}' is already registered.", backend.Name, ErrorKind.ResourceExists);
        }
    }

    /// <inheritdoc />
    public async Task UpdateBackendAsync(Backend backend, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var changed = await ExecuteAsync("UPDATE backends SET properties = @properties, maintenance = @maintenance, reason = @reason WHERE name = @name::citext",
            p =>
            {
                p.SetText("name", backend.Name);
                BindBackendSettings(p, backend);
            }, cancellationToken).ConfigureAwait(false);
        if (changed == 0) throw BackendNotFound(backend.Name);
    }

    /// <inheritdoc />
    public async Task DeleteBackendAsync(string name, CancellationToken cancellationToken)
    {
        int changed;
        try
        {
            changed = await ExecuteAsync("DELETE FROM backends WHERE name = @name::citext", p => p.SetText("name", name), cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.IsForeignKeyViolation())
        {
            throw new ConflictException(ErrorIds.BackendHasVolumes,
                $"Backend '{name}' still has volumes in the inventory; remove them before unregistering it.", name);
        }
        if (changed == 0) throw BackendNotFound(name);
    }

    private static void BindBackendSettings(NpgsqlParameterCollection p, Backend backend)
    {
        p.SetText("properties", SqliteValues.ToJson(backend.Properties));
        p.Set("maintenance", backend.MaintenanceMode);
        p.SetText("reason", backend.MaintenanceReason);
    }

    private static ObjectNotFoundException BackendNotFound(string name) => new(ErrorIds.BackendNotFound, $"No backend named '{name}' is registered.", name);

    /// <inheritdoc />
    public async Task InsertVolumeAsync(Volume volume, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(volume);
        var state = SqliteValues.ToText(volume.State);
        try
        {
            // The backend's own spelling of its name is stored, whatever case the caller used.
            await ExecuteAsync(
                "INSERT INTO volumes (id, backend, name, size, state, location, driver_ref, created, created_from_snapshot_id, head_snapshot_id, error) " +
                "VALUES (@id, coalesce((SELECT name FROM backends WHERE name = @backend::citext), @backend::citext), @name, @size, @state, @location, " +
                "@driver_ref, @created, @created_from, @head, @error)",
                p =>
                {
                    p.SetText("backend", volume.Backend);
                    BindVolume(p, volume, state);
                }, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.IsForeignKeyViolation())
        {
            throw BackendNotFound(volume.Backend);
        }
        catch (PostgresException e) when (e.IsUniqueViolation(out var constraint))
        {
            throw VolumeConflict(volume, constraint);
        }
    }

    /// <inheritdoc />
    public async Task UpdateVolumeAsync(Volume volume, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(volume);
        var state = SqliteValues.ToText(volume.State);
        int changed;
        try
        {
            // A volume never moves between backends: the backend column is not updated.
            changed = await ExecuteAsync(
                "UPDATE volumes SET name = @name, size = @size, state = @state, location = @location, driver_ref = @driver_ref, " +
                "created = @created, created_from_snapshot_id = @created_from, head_snapshot_id = @head, error = @error WHERE id = @id",
                p => BindVolume(p, volume, state), cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.IsUniqueViolation(out var constraint))
        {
            throw VolumeConflict(volume, constraint);
        }
        if (changed == 0) throw VolumeNotFound(volume.Id);
    }

    /// <inheritdoc />
    public async Task DeleteVolumeAsync(string id, CancellationToken cancellationToken)
    {
        int changed;
        try
        {
            changed = await ExecuteAsync("DELETE FROM volumes WHERE id = @id", p => p.SetText("id", id), cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.IsForeignKeyViolation())
        {
            throw new ConflictException(ErrorIds.VolumeHasSnapshots, $"Volume '{id}' still has snapshots in the inventory; delete them before the volume.", id);
        }
        if (changed == 0) throw VolumeNotFound(id);
    }

    private static void BindVolume(NpgsqlParameterCollection p, Volume volume, string state)
    {
        if (volume.SizeBytes < 0)
        {
            throw new ValidationException(ErrorIds.InvalidArgument, $"Volume '{volume.Name}' has a negative size ({volume.SizeBytes}).", volume);
        }
        p.SetText("id", volume.Id);
        p.SetText("name", volume.Name);
        p.Set("size", volume.SizeBytes);
        p.SetText("state", state);
        p.SetText("location", volume.Location);
        p.SetText("driver_ref", volume.DriverReference);
        p.SetTime("created", volume.CreatedUtc);
        p.SetText("created_from", volume.CreatedFromSnapshotId);
        p.SetText("head", volume.HeadSnapshotId);
        p.SetText("error", volume.ErrorMessage);
    }

    private static ConflictException VolumeConflict(Volume volume, string constraint) =>
        constraint == "ux_volumes_backend_name"
            ? new(ErrorIds.AlreadyExists, $"A volume named '{volume.Name}' already exists on backend '{volume.Backend}'.", volume, ErrorKind.ResourceExists)
            : new(ErrorIds.AlreadyExists, $"A volume with id '{volume.Id}' already exists.", volume, ErrorKind.ResourceExists);

    private static ObjectNotFoundException VolumeNotFound(string id) => new(ErrorIds.VolumeNotFound, $"No volume with id '{id}' is in the inventory.", id);

    /// <inheritdoc />
    public async Task InsertSnapshotAsync(Snapshot snapshot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var state = SqliteValues.ToText(snapshot.State);
        try
        {
            await ExecuteAsync(
                "INSERT INTO snapshots (id, volume_id, name, created, size, state, description, tags, expires, client_token, " +
                "parent_id, driver_ref, location, details, error) " +
                "VALUES (@id, @volume, @name, @created, @size, @state, @description, @tags, @expires, @token, @parent, @driver_ref, @location, @details, @error)",
                p =>
                {
                    p.SetText("volume", snapshot.VolumeId);
                    BindSnapshot(p, snapshot, state);
                }, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.IsForeignKeyViolation())
        {
            throw new ObjectNotFoundException(ErrorIds.VolumeNotFound,
                $"Snapshot '{snapshot.Name}' names volume id '{snapshot.VolumeId}', which is not in the inventory.", snapshot.VolumeId);
        }
        catch (PostgresException e) when (e.IsUniqueViolation(out var constraint))
        {
            throw await SnapshotConflictAsync(snapshot, constraint, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task UpdateSnapshotAsync(Snapshot snapshot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var state = SqliteValues.ToText(snapshot.State);
        int changed;
        try
        {
            // A snapshot never moves between volumes: volume_id is not updated.
            changed = await ExecuteAsync(
                "UPDATE snapshots SET name = @name, created = @created, size = @size, state = @state, description = @description, " +
                "tags = @tags, expires = @expires, client_token = @token, parent_id = @parent, driver_ref = @driver_ref, " +
                "location = @location, details = @details, error = @error WHERE id = @id",
                p => BindSnapshot(p, snapshot, state), cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.IsUniqueViolation(out var constraint))
        {
            throw await SnapshotConflictAsync(snapshot, constraint, cancellationToken).ConfigureAwait(false);
        }
        if (changed == 0) throw SnapshotNotFound(snapshot.Id);
    }

    /// <inheritdoc />
    public async Task DeleteSnapshotAsync(string id, CancellationToken cancellationToken)
    {
        var changed = await ExecuteAsync("DELETE FROM snapshots WHERE id = @id", p => p.SetText("id", id), cancellationToken).ConfigureAwait(false);
        if (changed == 0) throw SnapshotNotFound(id);
    }

    private static void BindSnapshot(NpgsqlParameterCollection p, Snapshot snapshot, string state)
    {
        if (snapshot.SizeBytes < 0)
        {
            throw new ValidationException(ErrorIds.InvalidArgument, $"Snapshot '{snapshot.Name}' has a negative size ({snapshot.SizeBytes}).", snapshot);
        }
        p.SetText("id", snapshot.Id);
        p.SetText("name", snapshot.Name);
        p.SetTime("created", snapshot.CreatedUtc);
        p.Set("size", snapshot.SizeBytes);
        p.SetText("state", state);
        p.SetText("description", snapshot.Description);
        p.SetText("tags", SqliteValues.ToJson(snapshot.Tags));
        p.SetTime("expires", snapshot.ExpiresUtc);
        p.SetText("token", snapshot.ClientToken);
        p.SetText("parent", snapshot.ParentId);
        p.SetText("driver_ref", snapshot.DriverReference);
        p.SetText("location", snapshot.Location);
        p.SetText("details", SqliteValues.ToJson(snapshot.Details));
        p.SetText("error", snapshot.ErrorMessage);
    }

    /// <summary>The AlreadyExists error, naming the volume and backend as the inventory knows them.</summary>
    private async Task<ConflictException> SnapshotConflictAsync(Snapshot snapshot, string constraint, CancellationToken cancellationToken)
    {
        var volume = await GetVolumeAsync(snapshot.VolumeId, cancellationToken).ConfigureAwait(false);
        var where = volume is null ? $"volume id '{snapshot.VolumeId}'" : $"volume '{volume.Name}' on backend '{volume.Backend}'";
        var message = constraint switch
        {
            "ux_snapshots_client_token" => $"A snapshot with client token '{snapshot.ClientToken}' already exists on {where}.",
            "ux_snapshots_volume_name" => $"A snapshot named '{snapshot.Name}' already exists on {where}.",
            _ => $"A snapshot with id '{snapshot.Id}' already exists.",
        };
        return new ConflictException(ErrorIds.AlreadyExists, message, snapshot, ErrorKind.ResourceExists);
    }

    private static ObjectNotFoundException SnapshotNotFound(string id) => new(ErrorIds.SnapshotNotFound, $"No snapshot with id '{id}' is in the inventory.", id);

    /// <inheritdoc />
    public async Task InsertOperationAsync(Operation operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        try
        {
            await ExecuteAsync(
                "INSERT INTO operations (id, kind, state, backend, volume, destination, target_kind, target_id, started, ended, attempts, error, owner, details, recovery, recovery_note) " +
                "VALUES (@id, @kind, @state, @backend, @volume, @destination, @target_kind, @target_id, @started, @ended, @attempts, @error, @owner, @details, @recovery, @recovery_note)",
                p => BindOperation(p, operation), cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.IsUniqueViolation(out _))
        {
            throw new ConflictException(ErrorIds.AlreadyExists, $"An operation with id '{operation.Id}' is already in the journal.", operation, ErrorKind.ResourceExists);
        }
    }

    /// <inheritdoc />
    public async Task UpdateOperationAsync(Operation operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var changed = await ExecuteAsync(
            "UPDATE operations SET kind = @kind, state = @state, backend = @backend, volume = @volume, destination = @destination, target_kind = @target_kind, " +
            "target_id = @target_id, started = @started, ended = @ended, attempts = @attempts, error = @error, owner = @owner, " +
            "details = @details, recovery = @recovery, recovery_note = @recovery_note WHERE id = @id",
            p => BindOperation(p, operation), cancellationToken).ConfigureAwait(false);
        if (changed == 0)
        {
            throw new ObjectNotFoundException(ErrorIds.InvalidState, $"No operation with id '{operation.Id}' is in the journal.", operation.Id);
        }
    }

    private static void BindOperation(NpgsqlParameterCollection p, Operation operation)
    {
        p.SetText("id", operation.Id);
        p.SetText("kind", SqliteValues.ToText(operation.Kind));
        p.SetText("state", SqliteValues.ToText(operation.State));
        p.SetText("backend", operation.Backend);
        p.SetText("volume", operation.Volume);
        p.SetText("destination", operation.Destination);
        p.SetText("target_kind", SqliteValues.ToText(operation.TargetKind));
        p.SetText("target_id", operation.TargetId);
        p.SetTime("started", operation.StartedUtc);
        p.SetTime("ended", operation.EndedUtc);
        p.Set("attempts", operation.Attempts);
        p.SetText("error", operation.Error);
        p.SetText("owner", operation.Owner);
        p.SetText("details", OperationDetailsJson.Write(operation.Kind, operation.Details));
        p.SetText("recovery", operation.Recovery is { } recovery ? SqliteValues.ToText(recovery) : null);
        p.SetText("recovery_note", operation.RecoveryNote);
    }

    /// <inheritdoc />
    public async Task<long> AppendEventAsync(StorageEvent storageEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(storageEvent);
        // Events are numbered in commit order: the event-log lock is held from the first append to the end of the
        // transaction, so no transaction commits an event with a lower number after one with a higher number is
        // visible (a reader following the log by sequence never skips one). Appends come last in a command.
        var sql = "INSERT INTO events (time, kind, backend, volume, target_kind, target_id, bytes, operation_id, message, \"user\", host) " +
                  "SELECT @time, @kind, @backend, @volume, @target_kind, @target_id, @bytes, @operation, @message, @user, @host" +
                  (_eventLogLocked ? "" : $" FROM (SELECT pg_advisory_xact_lock({PostgresKeys.EventLog})) AS event_log_lock") + " RETURNING sequence";
        var rows = await QueryAsync(sql,
            p =>
            {
                p.SetTime("time", storageEvent.TimeUtc);
                p.SetText("kind", SqliteValues.ToText(storageEvent.Kind));
                p.SetText("backend", storageEvent.Backend);
                p.SetText("volume", storageEvent.Volume);
                p.SetText("target_kind", storageEvent.TargetKind is { } target ? SqliteValues.ToText(target) : null);
                p.SetText("target_id", storageEvent.TargetId);
                p.AddWithValue("bytes", NpgsqlTypes.NpgsqlDbType.Bigint, (object?)storageEvent.Bytes ?? DBNull.Value);
                p.SetText("operation", storageEvent.OperationId);
                p.SetText("message", storageEvent.Message);
                p.SetText("user", storageEvent.User ?? EventAuthor.User);
                p.SetText("host", storageEvent.Host ?? EventAuthor.Host);
            }, r => r.GetInt64(0), cancellationToken).ConfigureAwait(false);
        _eventLogLocked = true;
        return rows[^1];
    }

    /// <inheritdoc />
    public async Task InsertSecondaryStorageAsync(SecondaryStorage storage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(storage);
        try
        {
            await ExecuteAsync(
                "INSERT INTO secondary_storages (name, kind, path, chunk_size, compression, registered, repository_id, properties) " +
                "VALUES (@name, @kind, @path, @chunk_size, @compression, @registered, @repository_id, @properties)",
                p =>
                {
                    p.SetText("name", storage.Name);
                    p.SetText("kind", SqliteValues.ToText(storage.Kind));
                    p.SetText("path", storage.Path);
                    p.Set("chunk_size", storage.ChunkSizeBytes);
                    p.SetText("compression", SqliteValues.ToText(storage.Compression));
                    p.SetTime("registered", storage.RegisteredUtc);
                    p.SetText("repository_id", storage.RepositoryId);
                    p.SetText("properties", SecondaryStoragePropertiesJson.ToColumn(storage.Properties));
                }, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.IsUniqueViolation(out var constraint))
        {
            throw new ConflictException(ErrorIds.AlreadyExists,
                constraint == "ux_secondary_storages_repository"
                    ? $"The repository at '{storage.Path}' (id {storage.RepositoryId}) is already registered under another name."
                    : $"A secondary storage named '{storage.Name}' is already registered.",
                storage.Name, ErrorKind.ResourceExists);
        }
    }

    /// <inheritdoc />
    public async Task DeleteSecondaryStorageAsync(string name, CancellationToken cancellationToken)
    {
        int changed;
        try
        {
            changed = await ExecuteAsync("DELETE FROM secondary_storages WHERE name = @name::citext", p => p.SetText("name", name), cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.IsForeignKeyViolation())
        {
            throw new ConflictException(ErrorIds.InvalidState,
                $"Secondary storage '{name}' still has copies in the inventory; remove them before unregistering it.", name)
            {
                Hint = ErrorHint.RemoveCopiesFirst(name),
            };
        }
        if (changed == 0) throw new ObjectNotFoundException(ErrorIds.SecondaryStorageNotFound, $"No secondary storage named '{name}' is registered.", name);
    }

    /// <inheritdoc />
    public async Task InsertCopyAsync(SnapshotCopy copy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(copy);
        try
        {
            await ExecuteAsync(
                "INSERT INTO copies (id, destination, backend, volume, volume_id, snapshot_id, snapshot_name, state, base_copy_id, size, bytes_read, " +
                "bytes_written, bytes_changed, duration_ms, image_sha256, created, completed, error) " +
                "VALUES (@id, @destination, @backend, @volume, @volume_id, @snapshot_id, @snapshot_name, @state, @base_copy_id, @size, @bytes_read, " +
                "@bytes_written, @bytes_changed, @duration_ms, @image_sha256, @created, @completed, @error)",
                p => BindCopy(p, copy), cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.IsForeignKeyViolation())
        {
            throw new ObjectNotFoundException(ErrorIds.SecondaryStorageNotFound, $"No secondary storage named '{copy.Destination}' is registered.", copy.Destination);
        }
        catch (PostgresException e) when (e.IsUniqueViolation(out _))
        {
            throw new ConflictException(ErrorIds.AlreadyExists, $"Copy {copy.Id} is already recorded.", copy.Id, ErrorKind.ResourceExists);
        }
    }

    /// <inheritdoc />
    public async Task UpdateCopyAsync(SnapshotCopy copy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(copy);
        // Identity (destination, snapshot) never changes; state, lineage and figures do.
        var changed = await ExecuteAsync(
            "UPDATE copies SET state = @state, base_copy_id = @base_copy_id, size = @size, bytes_read = @bytes_read, bytes_written = @bytes_written, " +
            "bytes_changed = @bytes_changed, duration_ms = @duration_ms, image_sha256 = @image_sha256, created = @created, completed = @completed, " +
            "error = @error WHERE id = @id",
            p => BindCopy(p, copy), cancellationToken).ConfigureAwait(false);
        if (changed == 0) throw CopyNotFound(copy.Id);
    }

    /// <inheritdoc />
    public async Task DeleteCopyAsync(string id, CancellationToken cancellationToken)
    {
        var changed = await ExecuteAsync("DELETE FROM copies WHERE id = @id", p => p.SetText("id", id), cancellationToken).ConfigureAwait(false);
        if (changed == 0) throw CopyNotFound(id);
    }

    private static ObjectNotFoundException CopyNotFound(string id) => new(ErrorIds.CopyNotFound, $"No copy with id '{id}' is recorded.", id);

    private static void BindCopy(NpgsqlParameterCollection p, SnapshotCopy copy)
    {
        p.SetText("id", copy.Id);
        p.SetText("destination", copy.Destination);
        p.SetText("backend", copy.Backend);
        p.SetText("volume", copy.Volume);
        p.SetText("volume_id", copy.VolumeId);
        p.SetText("snapshot_id", copy.SnapshotId);
        p.SetText("snapshot_name", copy.Snapshot);
        p.SetText("state", SqliteValues.ToText(copy.State));
        p.SetText("base_copy_id", copy.BaseCopyId);
        p.Set("size", copy.SizeBytes);
        p.Set("bytes_read", copy.BytesRead);
        p.Set("bytes_written", copy.BytesWritten);
        p.Set("bytes_changed", copy.BytesChanged);
        p.Set("duration_ms", (long)copy.Duration.TotalMilliseconds);
        p.SetText("image_sha256", copy.ImageSha256);
        p.SetTime("created", copy.CreatedUtc);
        p.SetTime("completed", copy.CompletedUtc);
        p.SetText("error", copy.ErrorMessage);
    }

    /// <inheritdoc />
    public async Task InsertPolicyAsync(SnapshotPolicy policy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        try
        {
            await ExecuteAsync("INSERT INTO snapshot_policies (id, name, definition, created, updated) VALUES (@id, @name, @definition, @created, @updated)",
                p =>
                {
                    p.SetText("id", policy.Id);
                    p.SetText("name", policy.Name);
                    p.SetText("definition", PolicyDefinitionJson.Write(policy));
                    p.SetTime("created", policy.CreatedUtc);
                    p.SetTime("updated", policy.UpdatedUtc);
                }, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.IsUniqueViolation(out _))
        {
            throw new ConflictException(ErrorIds.AlreadyExists, $"A snapshot policy named '{policy.Name}' already exists.", policy.Name, ErrorKind.ResourceExists);
        }
    }

    /// <inheritdoc />
    public async Task UpdatePolicyAsync(SnapshotPolicy policy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var changed = await ExecuteAsync("UPDATE snapshot_policies SET definition = @definition, updated = @updated WHERE id = @id",
            p =>
            {
                p.SetText("id", policy.Id);
                p.SetText("definition", PolicyDefinitionJson.Write(policy));
                p.SetTime("updated", policy.UpdatedUtc);
            }, cancellationToken).ConfigureAwait(false);
        if (changed == 0) throw PolicyNotFound(policy.Name);
    }

    /// <inheritdoc />
    public async Task DeletePolicyAsync(string id, CancellationToken cancellationToken)
    {
        var changed = await ExecuteAsync("DELETE FROM snapshot_policies WHERE id = @id", p => p.SetText("id", id), cancellationToken).ConfigureAwait(false);
        if (changed == 0) throw PolicyNotFound(id);
    }

    /// <inheritdoc />
    public async Task RecordPolicyCopyAsync(PolicyCopy copy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(copy);
        await ExecuteAsync("INSERT INTO policy_copies (copy_id, policy, slot) VALUES (@copy, @policy, @slot) ON CONFLICT (copy_id) DO NOTHING",
            p =>
            {
                p.SetText("copy", copy.CopyId);
                p.SetText("policy", copy.Policy);
                p.SetTime("slot", copy.SlotUtc);
            }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task DeletePolicyCopiesAsync(IReadOnlyCollection<string> copyIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(copyIds);
        if (copyIds.Count == 0) return;
        await ExecuteAsync("DELETE FROM policy_copies WHERE copy_id = ANY (@copies)", p => p.SetTextArray("copies", copyIds), cancellationToken).ConfigureAwait(false);
    }

    private static ObjectNotFoundException PolicyNotFound(string name) => new(ErrorIds.PolicyNotFound, $"No snapshot policy '{name}' is in the inventory.", name);
}
