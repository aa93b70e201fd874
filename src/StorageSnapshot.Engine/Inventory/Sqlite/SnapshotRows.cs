using System.Collections.ObjectModel;
using System.Text;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

/// <summary>
/// Maps the rows of one snapshot query (<see cref="SnapshotSql"/>'s column order) to records. Values that repeat
/// from row to row — the volume's id and names, the state, a description, tags and driver details shared by
/// many snapshots, a parent that is the row before — are made once and shared (records are immutable); the rest
/// are decoded per row. One instance per listing; <see cref="ReadOne"/> for a single row (nothing to share).
/// </summary>
internal sealed class SnapshotRows
{
    private static readonly SnapshotRows Uncached = new(cached: false);

    private readonly RecentStrings<string>? _ids;
    private readonly RecentStrings<(string Id, string Name, string Backend)>? _volumes;
    private readonly RecentStrings<SnapshotState>? _states;
    private readonly RecentStrings<string>? _descriptions;
    private readonly RecentStrings<string>? _errors;
    private readonly RecentStrings<IReadOnlyDictionary<string, string>>? _tags;
    private readonly RecentStrings<IReadOnlyDictionary<string, string>>? _details;

    /// <summary>A mapper for the rows of one listing.</summary>
    public SnapshotRows() : this(cached: true)
    {
    }

    private SnapshotRows(bool cached)
    {
        if (!cached) return;
        // The ids of the rows just read: in a volume's listing a snapshot's parent is usually the row before it.
        _ids = new(Identity, capacity: 2);
        _volumes = new(parse: null, capacity: 4);
        _states = new(ParseState);
        _descriptions = new(Identity, capacity: 4);
        _errors = new(Identity, capacity: 4);
        _tags = new(ParseTags);
        _details = new(ParseDetails);
    }

    /// <summary>The record of a query's only row.</summary>
    public static Snapshot ReadOne(RawStatement row) => Uncached.Read(row);

    /// <summary>The record of the statement's current row.</summary>
    public Snapshot Read(RawStatement row)
    {
        var (volumeId, volume, backend) = Volume(row);
        return new Snapshot
        {
            Id = Shared(_ids, row.PlainUtf8(0), Identity),
            VolumeId = volumeId,
            Volume = volume,
            Backend = backend,
            Name = Encoding.UTF8.GetString(row.PlainUtf8(4)),
            CreatedUtc = SqliteValues.FromUnixMilliseconds(row.Int64(5)),
            SizeBytes = row.Int64(6),
            State = Shared(_states, row.PlainUtf8(7), ParseState),
            Description = row.TryUtf8(8, out var description) ? Shared(_descriptions, description, Identity) : null,
            Tags = Shared(_tags, row.PlainUtf8(9), ParseTags),
            ExpiresUtc = Expires(row),
            ClientToken = NullableText(row, 11),
            // Looked up among the ids just read, not remembered: a parent is rarely anyone else's. Ids are never empty.
            ParentId = row.PlainUtf8(12) is { IsEmpty: false } parent ? Known(_ids, parent) ?? Encoding.UTF8.GetString(parent) : null,
            DriverReference = NullableText(row, 13),
            Location = NullableText(row, 14),
            Details = Shared(_details, row.PlainUtf8(15), ParseDetails),
            ErrorMessage = row.TryUtf8(16, out var error) ? Shared(_errors, error, Identity) : null,
        };
    }

    /// <summary>
    /// The volume's id, name and backend. The name and backend columns are fetched only for a volume id not seen
    /// just before: rows of one volume come together, and each column fetched costs a call into SQLite.
    /// </summary>
    private (string Id, string Name, string Backend) Volume(RawStatement row)
    {
        var id = row.PlainUtf8(1);
        if (_volumes is not null && _volumes.TryFind(id, out var known)) return known;
        var volume = (Encoding.UTF8.GetString(id), Encoding.UTF8.GetString(row.PlainUtf8(2)), Encoding.UTF8.GetString(row.PlainUtf8(3)));
        _volumes?.Remember(id, volume);
        return volume;
    }

    /// <summary>NULL reads as 0: only a 0 needs the type asked (one call into SQLite fewer for every expiring snapshot).</summary>
    private static DateTime? Expires(RawStatement row)
    {
        var milliseconds = row.Int64(10);
        return milliseconds == 0 && row.IsNull(10) ? null : SqliteValues.FromUnixMilliseconds(milliseconds);
    }

    private static string? Known(RecentStrings<string>? recent, ReadOnlySpan<byte> utf8) =>
        recent is not null && recent.TryFind(utf8, out var value) ? value : null;

    private static T Shared<T>(RecentStrings<T>? recent, ReadOnlySpan<byte> utf8, Func<string, T> parse) =>
        recent is null ? parse(Encoding.UTF8.GetString(utf8)) : recent.Get(utf8);

    private static string? NullableText(RawStatement row, int column) => row.TryUtf8(column, out var utf8) ? Encoding.UTF8.GetString(utf8) : null;

    private static readonly Func<string, string> Identity = static s => s;
    private static readonly Func<string, SnapshotState> ParseState = SqliteValues.ParseEnum<SnapshotState>;
    private static readonly Func<string, IReadOnlyDictionary<string, string>> ParseTags = static json => Dictionary(json, "snapshot tags");
    private static readonly Func<string, IReadOnlyDictionary<string, string>> ParseDetails = static json => Dictionary(json, "snapshot details");

    private static IReadOnlyDictionary<string, string> Dictionary(string json, string what) =>
        new ReadOnlyDictionary<string, string>(SqliteValues.FromJson(json, what));
}
