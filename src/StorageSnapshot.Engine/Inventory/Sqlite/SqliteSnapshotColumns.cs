using StorageSnapshot.Engine.Inventory.Rows;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

/// <summary>A snapshot row of a <see cref="RawStatement"/> for <see cref="SnapshotRows"/>: times are stored as Unix milliseconds.</summary>
internal readonly struct SqliteSnapshotColumns(RawStatement row) : ISnapshotColumns
{
    public ReadOnlySpan<byte> Utf8(int column) => row.PlainUtf8(column);

    public ReadOnlySpan<byte> Utf8OrEmpty(int column) => row.PlainUtf8(column);

    public bool TryUtf8(int column, out ReadOnlySpan<byte> utf8) => row.TryUtf8(column, out utf8);

    public long Int64(int column) => row.Int64(column);

    public DateTime Time(int column) => SqliteValues.FromUnixMilliseconds(row.Int64(column));

    /// <summary>NULL reads as 0: only a 0 needs the type asked (one call into SQLite fewer for every expiring snapshot).</summary>
    public DateTime? NullableTime(int column)
    {
        var milliseconds = row.Int64(column);
        return milliseconds == 0 && row.IsNull(column) ? null : SqliteValues.FromUnixMilliseconds(milliseconds);
    }
}
