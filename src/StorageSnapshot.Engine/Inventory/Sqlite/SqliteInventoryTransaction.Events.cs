namespace StorageSnapshot.Engine.Inventory.Sqlite;

internal sealed partial class SqliteInventoryTransaction
{
    /// <inheritdoc />
    public async Task<long> AppendEventAsync(StorageEvent storageEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(storageEvent);
        // The sequence is the inventory's to assign: whatever the record carries is ignored.
        var rows = await QueryAsync(
            "INSERT INTO events (time, kind, backend, volume, target_kind, target_id, bytes, operation_id, message) " +
            "VALUES ($time, $kind, $backend, $volume, $target_kind, $target_id, $bytes, $operation, $message) RETURNING sequence",
            p =>
            {
                p.SetTime("$time", storageEvent.TimeUtc);
                p.Set("$kind", SqliteValues.ToText(storageEvent.Kind));
                p.Set("$backend", storageEvent.Backend);
                p.Set("$volume", storageEvent.Volume);
                p.Set("$target_kind", storageEvent.TargetKind is { } target ? SqliteValues.ToText(target) : null);
                p.Set("$target_id", storageEvent.TargetId);
                p.Set("$bytes", storageEvent.Bytes);
                p.Set("$operation", storageEvent.OperationId);
                p.Set("$message", storageEvent.Message);
            }, r => r.GetInt64(0), cancellationToken).ConfigureAwait(false);
        return rows[0];
    }
}
