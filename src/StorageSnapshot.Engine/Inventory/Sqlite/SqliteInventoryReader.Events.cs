using Microsoft.Data.Sqlite;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

public abstract partial class SqliteInventoryReader
{
    private protected const string EventColumns =
        "sequence, time, kind, backend, volume, target_kind, target_id, bytes, operation_id, message";

    /// <inheritdoc />
    public async Task<IReadOnlyList<StorageEvent>> ListEventsAsync(long afterSequence, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return await QueryAsync($"SELECT {EventColumns} FROM events WHERE sequence > $after ORDER BY sequence LIMIT $limit",
            p =>
            {
                p.Set("$after", afterSequence);
                p.Set("$limit", limit);
            }, ReadEvent, cancellationToken).ConfigureAwait(false);
    }

    private protected static StorageEvent ReadEvent(SqliteDataReader r) => new()
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
    };
}
