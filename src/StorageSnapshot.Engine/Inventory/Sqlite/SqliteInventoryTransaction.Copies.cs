using Microsoft.Data.Sqlite;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

internal sealed partial class SqliteInventoryTransaction
{
    /// <inheritdoc />
    public async Task InsertSecondaryStorageAsync(SecondaryStorage storage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(storage);
        try
        {
            await ExecuteAsync(
                $"INSERT INTO secondary_storages ({SecondaryStorageColumns}) VALUES ($name, $kind, $path, $chunk_size, $compression, $registered, $repository_id, $properties)",
                p =>
                {
                    p.Set("$name", storage.Name);
                    p.Set("$kind", SqliteValues.ToText(storage.Kind));
                    p.Set("$path", storage.Path);
                    p.Set("$chunk_size", storage.ChunkSizeBytes);
                    p.Set("$compression", SqliteValues.ToText(storage.Compression));
                    p.SetTime("$registered", storage.RegisteredUtc);
                    p.Set("$repository_id", storage.RepositoryId);
                    p.Set("$properties", SecondaryStoragePropertiesJson.ToColumn(storage.Properties));
                }, cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException e) when (e.IsUniqueViolation(out var columns))
        {
            throw new ConflictException(ErrorIds.AlreadyExists,
                columns.Contains("repository_id", StringComparison.OrdinalIgnoreCase)
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
            changed = await ExecuteAsync("DELETE FROM secondary_storages WHERE name = $name", p => p.Set("$name", name), cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException e) when (e.IsForeignKeyViolation())
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
                $"INSERT INTO copies ({CopyColumns}) VALUES ($id, $destination, $backend, $volume, $volume_id, $snapshot_id, $snapshot_name, $state, " +
                "$base_copy_id, $size, $bytes_read, $bytes_written, $bytes_changed, $duration_ms, $image_sha256, $created, $completed, $error)",
                p => BindCopy(p, copy), cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException e) when (e.IsForeignKeyViolation())
        {
            throw new ObjectNotFoundException(ErrorIds.SecondaryStorageNotFound, $"No secondary storage named '{copy.Destination}' is registered.", copy.Destination);
        }
        catch (SqliteException e) when (e.IsUniqueViolation(out _))
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
            "UPDATE copies SET state = $state, base_copy_id = $base_copy_id, size = $size, bytes_read = $bytes_read, bytes_written = $bytes_written, " +
            "bytes_changed = $bytes_changed, duration_ms = $duration_ms, image_sha256 = $image_sha256, created = $created, completed = $completed, " +
            "error = $error WHERE id = $id",
            p => BindCopy(p, copy), cancellationToken).ConfigureAwait(false);
        if (changed == 0) throw CopyNotFound(copy.Id);
    }

    /// <inheritdoc />
    public async Task DeleteCopyAsync(string id, CancellationToken cancellationToken)
    {
        var changed = await ExecuteAsync("DELETE FROM copies WHERE id = $id", p => p.Set("$id", id), cancellationToken).ConfigureAwait(false);
        if (changed == 0) throw CopyNotFound(id);
    }

    private static ObjectNotFoundException CopyNotFound(string id) => new(ErrorIds.CopyNotFound, $"No copy with id '{id}' is recorded.", id);

    private static void BindCopy(SqliteParameterCollection p, SnapshotCopy copy)
    {
        p.Set("$id", copy.Id);
        p.Set("$destination", copy.Destination);
        p.Set("$backend", copy.Backend);
        p.Set("$volume", copy.Volume);
        p.Set("$volume_id", copy.VolumeId);
        p.Set("$snapshot_id", copy.SnapshotId);
        p.Set("$snapshot_name", copy.Snapshot);
        p.Set("$state", SqliteValues.ToText(copy.State));
        p.Set("$base_copy_id", copy.BaseCopyId);
        p.Set("$size", copy.SizeBytes);
        p.Set("$bytes_read", copy.BytesRead);
        p.Set("$bytes_written", copy.BytesWritten);
        p.Set("$bytes_changed", copy.BytesChanged);
        p.Set("$duration_ms", (long)copy.Duration.TotalMilliseconds);
        p.Set("$image_sha256", copy.ImageSha256);
        p.SetTime("$created", copy.CreatedUtc);
        p.SetTime("$completed", copy.CompletedUtc);
        p.Set("$error", copy.ErrorMessage);
    }
}
