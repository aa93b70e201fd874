namespace StorageSnapshot.Engine.Inventory.Sqlite;

// Moving a whole inventory (InventoryCopier): the rows everyday reads do not reach, and events with their own numbers.
internal sealed partial class SqliteInventory : IInventoryImport
{
    /// <inheritdoc />
    public async Task<IReadOnlyList<PolicyCopy>> ListAllPolicyCopiesAsync(CancellationToken cancellationToken) =>
        await QueryAsync("SELECT copy_id, policy, slot FROM policy_copies ORDER BY copy_id", null,
            r => new PolicyCopy(r.GetString(0), r.GetString(1), r.GetUtc(2)), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public Task ImportEventAsync(IInventoryTransaction transaction, StorageEvent storageEvent, CancellationToken cancellationToken) =>
        ((SqliteInventoryTransaction)transaction).ImportEventAsync(storageEvent, cancellationToken);
}

internal sealed partial class SqliteInventoryTransaction
{
    /// <summary>Writes an event with its sequence, user and host as given (AUTOINCREMENT then continues after the highest).</summary>
    public Task ImportEventAsync(StorageEvent storageEvent, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "INSERT INTO events (sequence, time, kind, backend, volume, target_kind, target_id, bytes, operation_id, message, user, host) " +
            "VALUES ($sequence, $time, $kind, $backend, $volume, $target_kind, $target_id, $bytes, $operation, $message, $user, $host)",
            p =>
            {
                p.Set("$sequence", storageEvent.Sequence);
                p.SetTime("$time", storageEvent.TimeUtc);
                p.Set("$kind", SqliteValues.ToText(storageEvent.Kind));
                p.Set("$backend", storageEvent.Backend);
                p.Set("$volume", storageEvent.Volume);
                p.Set("$target_kind", storageEvent.TargetKind is { } target ? SqliteValues.ToText(target) : null);
                p.Set("$target_id", storageEvent.TargetId);
                p.Set("$bytes", storageEvent.Bytes);
                p.Set("$operation", storageEvent.OperationId);
                p.Set("$message", storageEvent.Message);
                p.Set("$user", storageEvent.User);
                p.Set("$host", storageEvent.Host);
            }, cancellationToken);
}
