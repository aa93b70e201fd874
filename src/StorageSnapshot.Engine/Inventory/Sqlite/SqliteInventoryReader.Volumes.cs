using Microsoft.Data.Sqlite;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

internal abstract partial class SqliteInventoryReader
{
    private protected const string VolumeColumns =
        "id, backend, name, size, state, location, driver_ref, created, created_from_snapshot_id, head_snapshot_id, error";

    /// <inheritdoc />
    public Task<Volume?> GetVolumeAsync(string id, CancellationToken cancellationToken) =>
        QuerySingleAsync($"SELECT {VolumeColumns} FROM volumes WHERE id = $id",
            p => p.Set("$id", id), ReadVolume, cancellationToken);

    /// <inheritdoc />
    public Task<Volume?> FindVolumeAsync(string backend, string name, CancellationToken cancellationToken) =>
        QuerySingleAsync($"SELECT {VolumeColumns} FROM volumes WHERE backend = $backend AND name = $name",
            p =>
            {
                p.Set("$backend", backend);
                p.Set("$name", name);
            }, ReadVolume, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<Volume>> ListVolumesAsync(IReadOnlyCollection<string>? backends, CancellationToken cancellationToken) =>
        backends is null
            ? await QueryAsync($"SELECT {VolumeColumns} FROM volumes ORDER BY backend, name", null, ReadVolume, cancellationToken).ConfigureAwait(false)
            : await QueryAsync(
                $"SELECT {VolumeColumns} FROM volumes WHERE backend IN (SELECT value FROM json_each($backends)) ORDER BY backend, name",
                p => p.Set("$backends", SqliteValues.ToJsonArray(backends)), ReadVolume, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<IReadOnlyList<Volume>> ListClonesAsync(string snapshotId, CancellationToken cancellationToken) =>
        await QueryAsync($"SELECT {VolumeColumns} FROM volumes WHERE created_from_snapshot_id = $snapshot ORDER BY created, id",
            p => p.Set("$snapshot", snapshotId), ReadVolume, cancellationToken).ConfigureAwait(false);

    private protected static Volume ReadVolume(SqliteDataReader r) => new()
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
}
