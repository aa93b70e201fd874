using System.Text;

namespace StorageSnapshot.Engine.Inventory.Rows;

/// <summary>
/// Maps the rows of one snapshot query to records, for both engines (each hands its rows over as
/// <see cref="ISnapshotColumns"/>). Values that repeat
/// from row to row — the volume's id and names, the state, a description, tags and driver details shared by
/// many snapshots — are made once and shared (records are immutable). Ids, names, client tokens, driver handles,
/// locations and parent ids stay UTF-8 bytes in a few buffers per listing until a reader asks for them
/// (<see cref="DeferredTextBuffer"/>: most readers of a long listing never do, and strings that survive a listing
/// are what its garbage collections copy); a parent that is one of the two rows before shares that row's id bytes.
/// States, tags and details are parsed once per <see cref="SnapshotValueCache"/> (SQLite: the session's; PostgreSQL:
/// the listing's); the rest are shared only within one listing. One instance per listing; <see cref="ReadOne"/>
/// for a single row.
/// </summary>
internal sealed class SnapshotRows
{
    private readonly SnapshotValueCache _shared;
    private readonly RecentStrings<(string Id, string Name, string Backend)>? _volumes;
    private readonly RecentStrings<string>? _descriptions;
    private readonly RecentStrings<string>? _errors;
    private readonly DeferredTextBuffer? _deferred;

    // The ids of the two rows just read: in a volume's listing a snapshot's parent is usually one of them.
    private DeferredText _lastId;
    private DeferredText _idBeforeLast;

    /// <summary>A mapper for the rows of one listing; <paramref name="shared"/>: SQLite's session cache (used under its gate) or the query's own.</summary>
    public SnapshotRows(SnapshotValueCache shared) : this(shared, perListing: true)
    {
    }

    private SnapshotRows(SnapshotValueCache shared, bool perListing)
    {
        _shared = shared;
        if (!perListing) return;
        _volumes = new(parse: null, capacity: 4);
        _descriptions = new(Identity, capacity: 4);
        _errors = new(Identity, capacity: 4);
        _deferred = new();
    }

    /// <summary>The record of a query's only row (nothing of its own to share; states, tags and details come from <paramref name="shared"/>).</summary>
    public static Snapshot ReadOne<TRow>(TRow row, SnapshotValueCache shared) where TRow : struct, ISnapshotColumns =>
        new SnapshotRows(shared, perListing: false).Read(row);

    /// <summary>The record of the current row.</summary>
    public Snapshot Read<TRow>(TRow row) where TRow : struct, ISnapshotColumns
    {
        // Columns in their order: PostgreSQL's reader seeks forward through a row's columns, backwards from its start.
        var id = Deferred(row.Utf8(0));
        var (volumeId, volume, backend) = Volume(row);
        var snapshot = new Snapshot(id, Deferred(row.Utf8(4)), volumeId, volume, backend)
        {
            CreatedUtc = row.Time(5),
            SizeBytes = row.Int64(6),
            State = _shared.States.Get(row.Utf8(7)),
            Description = row.TryUtf8(8, out var description) ? Text(_descriptions, description) : null,
            Tags = _shared.Tags.Get(row.Utf8(9)),
            ExpiresUtc = row.NullableTime(10),
            ClientTokenText = Deferred(row, 11),
            ParentIdText = Parent(row.Utf8OrEmpty(12)),
            DriverReferenceText = Deferred(row, 13),
            LocationText = Deferred(row, 14),
            Details = _shared.Details.Get(row.Utf8(15)),
            ErrorMessage = row.TryUtf8(16, out var error) ? Text(_errors, error) : null,
        };
        _idBeforeLast = _lastId;
        _lastId = id;
        return snapshot;
    }

    /// <summary>
    /// The parent's id: in a volume's listing usually the row before (or the one before that), whose id's bytes are
    /// then shared rather than copied again. Ids are never empty, so empty bytes are NULL.
    /// </summary>
    private DeferredText Parent(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty) return default;
        if (_lastId.IsUtf8(utf8)) return _lastId;
        if (_idBeforeLast.IsUtf8(utf8)) return _idBeforeLast;
        return Deferred(utf8);
    }

    /// <summary>
    /// The volume's id, name and backend. The name and backend columns are fetched only for a volume id not seen
    /// just before: rows of one volume come together, and each column fetched costs a call into the engine's reader.
    /// </summary>
    private (string Id, string Name, string Backend) Volume<TRow>(TRow row) where TRow : struct, ISnapshotColumns
    {
        var id = row.Utf8(1);
        if (_volumes is not null && _volumes.TryFind(id, out var known)) return known;
        var volume = (Encoding.UTF8.GetString(id), Encoding.UTF8.GetString(row.Utf8(2)), Encoding.UTF8.GetString(row.Utf8(3)));
        _volumes?.Remember(id, volume);
        return volume;
    }

    private static string Text(RecentStrings<string>? recent, ReadOnlySpan<byte> utf8) =>
        recent is null ? Encoding.UTF8.GetString(utf8) : recent.Get(utf8);

    /// <summary>
    /// A value few readers of a listing look at: its bytes kept for decoding on first read (see <see cref="DeferredText"/>);
    /// decoded now for a single row, which has nothing to share a buffer with.
    /// </summary>
    private DeferredText Deferred<TRow>(TRow row, int column) where TRow : struct, ISnapshotColumns =>
        row.TryUtf8(column, out var utf8) ? Deferred(utf8) : default;

    private DeferredText Deferred(ReadOnlySpan<byte> utf8) => _deferred is null ? DeferredText.Of(Encoding.UTF8.GetString(utf8)) : _deferred.Add(utf8);

    private static readonly Func<string, string> Identity = static s => s;
}
