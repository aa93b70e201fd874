using Microsoft.Data.Sqlite;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

internal sealed partial class SqliteInventoryTransaction
{
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
                "VALUES ($id, $volume, $name, $created, $size, $state, $description, $tags, $expires, $token, " +
                "$parent, $driver_ref, $location, $details, $error)",
                p =>
                {
                    p.Set("$volume", snapshot.VolumeId);
                    BindSnapshot(p, snapshot, state);
                }, cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException e) when (e.IsForeignKeyViolation())
        {
            throw new ObjectNotFoundException(ErrorIds.VolumeNotFound,
                $"Snapshot '{snapshot.Name}' names volume id '{snapshot.VolumeId}', which is not in the inventory.", snapshot.VolumeId);
        }
        catch (SqliteException e) when (e.IsUniqueViolation(out var columns))
        {
            throw await SnapshotConflictAsync(snapshot, columns, cancellationToken).ConfigureAwait(false);
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
                "UPDATE snapshots SET name = $name, created = $created, size = $size, state = $state, description = $description, " +
                "tags = $tags, expires = $expires, client_token = $token, parent_id = $parent, driver_ref = $driver_ref, " +
                "location = $location, details = $details, error = $error WHERE id = $id",
                p => BindSnapshot(p, snapshot, state), cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException e) when (e.IsUniqueViolation(out var columns))
        {
            throw await SnapshotConflictAsync(snapshot, columns, cancellationToken).ConfigureAwait(false);
        }
        if (changed == 0) throw SnapshotNotFound(snapshot.Id);
    }

    /// <inheritdoc />
    public async Task DeleteSnapshotAsync(string id, CancellationToken cancellationToken)
    {
        var changed = await ExecuteAsync("DELETE FROM snapshots WHERE id = $id", p => p.Set("$id", id), cancellationToken).ConfigureAwait(false);
        if (changed == 0) throw SnapshotNotFound(id);
    }

    private static void BindSnapshot(SqliteParameterCollection p, Snapshot snapshot, string state)
    {
        if (snapshot.SizeBytes < 0)
        {
            throw new ValidationException(ErrorIds.InvalidArgument, $"Snapshot '{snapshot.Name}' has a negative size ({snapshot.SizeBytes}).", snapshot);
        }
        p.Set("$id", snapshot.Id);
        p.Set("$name", snapshot.Name);
        p.SetTime("$created", snapshot.CreatedUtc);
        p.Set("$size", snapshot.SizeBytes);
        p.Set("$state", state);
        p.Set("$description", snapshot.Description);
        p.Set("$tags", SqliteValues.ToJson(snapshot.Tags));
        p.SetTime("$expires", snapshot.ExpiresUtc);
        p.Set("$token", snapshot.ClientToken);
        p.Set("$parent", snapshot.ParentId);
        p.Set("$driver_ref", snapshot.DriverReference);
        p.Set("$location", snapshot.Location);
        p.Set("$details", SqliteValues.ToJson(snapshot.Details));
        p.Set("$error", snapshot.ErrorMessage);
    }

    /// <summary>The AlreadyExists error, naming the volume and backend as the inventory knows them.</summary>
    private async Task<ConflictException> SnapshotConflictAsync(Snapshot snapshot, string columns, CancellationToken cancellationToken)
    {
        var volume = await GetVolumeAsync(snapshot.VolumeId, cancellationToken).ConfigureAwait(false);
        var where = volume is null ? $"volume id '{snapshot.VolumeId}'" : $"volume '{volume.Name}' on backend '{volume.Backend}'";
        var message = columns switch
        {
            _ when columns.Contains("snapshots.client_token", StringComparison.Ordinal) =>
                $"A snapshot with client token '{snapshot.ClientToken}' already exists on {where}.",
            _ when columns.Contains("snapshots.name", StringComparison.Ordinal) =>
                $"A snapshot named '{snapshot.Name}' already exists on {where}.",
            _ => $"A snapshot with id '{snapshot.Id}' already exists.",
        };
        return new ConflictException(ErrorIds.AlreadyExists, message, snapshot, ErrorKind.ResourceExists);
    }

    private static ObjectNotFoundException SnapshotNotFound(string id) =>
        new(ErrorIds.SnapshotNotFound, $"No snapshot with id '{id}' is in the inventory.", id);
}
