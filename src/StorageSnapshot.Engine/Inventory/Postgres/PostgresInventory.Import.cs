namespace StorageSnapshot.Engine.Inventory.Postgres;

// Moving a whole inventory (InventoryCopier): the rows everyday reads do not reach, and events with their own numbers.
internal sealed partial class PostgresInventory : IInventoryImport
{
    /// <inheritdoc />
    public async Task<IReadOnlyList<PolicyCopy>> ListAllPolicyCopiesAsync(CancellationToken cancellationToken) =>
        await QueryAsync("SELECT copy_id, policy::text, slot FROM policy_copies ORDER BY copy_id COLLATE \"C\"", null,
            r => new PolicyCopy(r.GetString(0), r.GetString(1), r.GetUtc(2)), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public Task ImportEventAsync(IInventoryTransaction transaction, StorageEvent storageEvent, CancellationToken cancellationToken) =>
        ((PostgresInventoryTransaction)transaction).ImportEventAsync(storageEvent, cancellationToken);
}

internal sealed partial class PostgresInventoryTransaction
{
    /// <summary>Writes an event with its sequence, user and host as given; the identity then continues after the highest.</summary>
    public async Task ImportEventAsync(StorageEvent storageEvent, CancellationToken cancellationToken)
    {
        await ExecuteAsync(
            "INSERT INTO events (sequence, time, kind, backend, volume, target_kind, target_id, bytes, operation_id, message, \"user\", host) " +
            "VALUES (@sequence, @time, @kind, @backend, @volume, @target_kind, @target_id, @bytes, @operation, @message, @user, @host)",
            p =>
            {
                p.Set("sequence", storageEvent.Sequence);
                p.SetTime("time", storageEvent.TimeUtc);
                p.SetText("kind", Sqlite.SqliteValues.ToText(storageEvent.Kind));
                p.SetText("backend", storageEvent.Backend);
                p.SetText("volume", storageEvent.Volume);
                p.SetText("target_kind", storageEvent.TargetKind is { } target ? Sqlite.SqliteValues.ToText(target) : null);
                p.SetText("target_id", storageEvent.TargetId);
                p.AddWithValue("bytes", NpgsqlTypes.NpgsqlDbType.Bigint, (object?)storageEvent.Bytes ?? DBNull.Value);
                p.SetText("operation", storageEvent.OperationId);
                p.SetText("message", storageEvent.Message);
                p.SetText("user", storageEvent.User);
                p.SetText("host", storageEvent.Host);
            }, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync("SELECT setval(pg_get_serial_sequence('events', 'sequence'), (SELECT max(sequence) FROM events))", _ => { }, cancellationToken)
            .ConfigureAwait(false);
    }
}
