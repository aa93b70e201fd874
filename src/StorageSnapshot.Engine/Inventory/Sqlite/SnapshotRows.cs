using System.Collections.ObjectModel;
using System.Text;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

/// <summary>
/// Maps the rows of one snapshot query (<see cref="SnapshotSql"/>'s column order) to records. Values that repeat
/// from row to row — the volume's id and names, the state, a description, tags and driver details shared by
/// many snapshots — are made once and shared (records are immutable); the rest are decoded per row. One instance
/// per query.
/// </summary>
internal sealed class SnapshotRows
{
    private readonly RecentStrings<string> _volumeIds = new(static s => s, capacity: 2);
    private readonly RecentStrings<string> _volumes = new(static s => s, capacity: 2);
    private readonly RecentStrings<string> _backends = new(static s => s, capacity: 2);
    private readonly RecentStrings<SnapshotState> _states = new(SqliteValues.ParseEnum<SnapshotState>);
    private readonly RecentStrings<string> _descriptions = new(static s => s, capacity: 4);
    private readonly RecentStrings<string> _errors = new(static s => s, capacity: 4);
    private readonly RecentStrings<IReadOnlyDictionary<string, string>> _tags = new(static json => Dictionary(json, "snapshot tags"));
    private readonly RecentStrings<IReadOnlyDictionary<string, string>> _details = new(static json => Dictionary(json, "snapshot details"));

    /// <summary>The record of the statement's current row.</summary>
    public Snapshot Read(RawStatement row) => new()
    {
        Id = Text(row, 0),
        VolumeId = _volumeIds.Get(row.Utf8(1)),
        Volume = _volumes.Get(row.Utf8(2)),
        Backend = _backends.Get(row.Utf8(3)),
        Name = Text(row, 4),
        CreatedUtc = SqliteValues.FromUnixMilliseconds(row.Int64(5)),
        SizeBytes = row.Int64(6),
        State = _states.Get(row.Utf8(7)),
        Description = row.IsNull(8) ? null : _descriptions.Get(row.Utf8(8)),
        Tags = _tags.Get(row.Utf8(9)),
        ExpiresUtc = row.IsNull(10) ? null : SqliteValues.FromUnixMilliseconds(row.Int64(10)),
        ClientToken = NullableText(row, 11),
        ParentId = NullableText(row, 12),
        DriverReference = NullableText(row, 13),
        Location = NullableText(row, 14),
        Details = _details.Get(row.Utf8(15)),
        ErrorMessage = row.IsNull(16) ? null : _errors.Get(row.Utf8(16)),
    };

    private static string Text(RawStatement row, int column) => Encoding.UTF8.GetString(row.Utf8(column));

    /// <summary>Null for NULL; the common non-empty value costs no type check (an empty span may be NULL or '').</summary>
    private static string? NullableText(RawStatement row, int column)
    {
        var utf8 = row.Utf8(column);
        if (utf8.Length > 0) return Encoding.UTF8.GetString(utf8);
        return row.IsNull(column) ? null : "";
    }

    private static IReadOnlyDictionary<string, string> Dictionary(string json, string what) =>
        new ReadOnlyDictionary<string, string>(SqliteValues.FromJson(json, what));
}
