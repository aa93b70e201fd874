using System.Collections.ObjectModel;
using StorageSnapshot.Engine.Inventory.Sqlite;

namespace StorageSnapshot.Engine.Inventory.Rows;

/// <summary>
/// The snapshot column values that repeat across queries, not only across the rows of one: states, and the tags and
/// driver details JSON that a schedule or a driver writes the same way on every snapshot. Parsing a tags object
/// costs a dictionary and a JSON reader — more than a short listing's rows themselves — so each distinct value is
/// parsed once per cache and shared (the dictionaries are read-only, the records immutable). Not thread-safe: SQLite
/// keeps one per <see cref="SqliteSession"/>, used only while holding its gate like the connection; PostgreSQL,
/// whose reads run at once on pooled connections, one per query.
/// </summary>
internal sealed class SnapshotValueCache
{
    /// <summary>States by their stored name.</summary>
    public RecentStrings<SnapshotState> States { get; } = new(SqliteValues.ParseEnum<SnapshotState>);

    /// <summary>Parsed tags by their stored JSON.</summary>
    public RecentStrings<IReadOnlyDictionary<string, string>> Tags { get; } = new(static json => Dictionary(json, "snapshot tags"));

    /// <summary>Parsed driver details by their stored JSON.</summary>
    public RecentStrings<IReadOnlyDictionary<string, string>> Details { get; } = new(static json => Dictionary(json, "snapshot details"));

    private static IReadOnlyDictionary<string, string> Dictionary(string json, string what) =>
        new ReadOnlyDictionary<string, string>(SqliteValues.FromJson(json, what));
}
