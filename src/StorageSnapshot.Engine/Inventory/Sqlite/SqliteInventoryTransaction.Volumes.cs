using Microsoft.Data.Sqlite;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

internal sealed partial class SqliteInventoryTransaction
{
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
                "VALUES ($id, coalesce((SELECT name FROM backends WHERE name = $backend), $backend), $name, $size, $state, $location, " +
                "$driver_ref, $created, $created_from, $head, $error)",
                p =>
                {
                    p.Set("$backend", volume.Backend);
                    BindVolume(p, volume, state);
                }, cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException e) when (e.IsForeignKeyViolation())
        {
            throw BackendNotFound(volume.Backend);
        }
        catch (SqliteException e) when (e.IsUniqueViolation(out var columns))
        {
            throw VolumeConflict(volume, columns);
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
                "UPDATE volumes SET name = $name, size = $size, state = $state, location = $location, driver_ref = $driver_ref, " +
                "created = $created, created_from_snapshot_id = $created_from, head_snapshot_id = $head, error = $error WHERE id = $id",
                p => BindVolume(p, volume, state), cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException e) when (e.IsUniqueViolation(out var columns))
        {
            throw VolumeConflict(volume, columns);
        }
        if (changed == 0) throw VolumeNotFound(volume.Id);
    }

    /// <inheritdoc />
    public async Task DeleteVolumeAsync(string id, CancellationToken cancellationToken)
    {
        int changed;
        try
        {
            changed = await ExecuteAsync("DELETE FROM volumes WHERE id = $id", p => p.Set("$id", id), cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException e) when (e.IsForeignKeyViolation())
        {
            throw new ConflictException(ErrorIds.VolumeHasSnapshots,
                $"Volume '{id}' still has snapshots in the inventory; delete them before the volume.", id);
        }
        if (changed == 0) throw VolumeNotFound(id);
    }

    private static void BindVolume(SqliteParameterCollection p, Volume volume, string state)
    {
        if (volume.SizeBytes < 0)
        {
            throw new ValidationException(ErrorIds.InvalidArgument, $"Volume '{volume.Name}' has a negative size ({volume.SizeBytes}).", volume);
        }
        p.Set("$id", volume.Id);
        p.Set("$name", volume.Name);
        p.Set("$size", volume.SizeBytes);
        p.Set("$state", state);
        p.Set("$location", volume.Location);
        p.Set("$driver_ref", volume.DriverReference);
        p.SetTime("$created", volume.CreatedUtc);
        p.Set("$created_from", volume.CreatedFromSnapshotId);
        p.Set("$head", volume.HeadSnapshotId);
        p.Set("$error", volume.ErrorMessage);
    }

    private static ConflictException VolumeConflict(Volume volume, string columns) =>
        columns.Contains("volumes.name", StringComparison.Ordinal)
            ? new(ErrorIds.AlreadyExists, $"A volume named '{volume.Name}' already exists on backend '{volume.Backend}'.", volume, ErrorKind.ResourceExists)
            : new(ErrorIds.AlreadyExists, $"A volume with id '{volume.Id}' already exists.", volume, ErrorKind.ResourceExists);

    private static ObjectNotFoundException VolumeNotFound(string id) =>
        new(ErrorIds.VolumeNotFound, $"No volume with id '{id}' is in the inventory.", id);
}
