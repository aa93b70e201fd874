using System.Collections.ObjectModel;
using Microsoft.Data.Sqlite;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

/// <summary>
/// For one query: rows whose JSON column holds the same text (the same tags on every nightly snapshot of a
/// volume, the same driver details on every snapshot of a backend) get one shared read-only dictionary. A listing
/// keeps thousands of records alive at once, and a dictionary is several objects for the garbage collector to
/// move; sharing immutable ones is safe.
/// </summary>
internal sealed class SharedDictionaries
{
    // Bounded so that a listing whose rows are all different does not also build a large cache.
    private const int Capacity = 256;
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _byJson = new(StringComparer.Ordinal);

    /// <summary>The column's dictionary.</summary>
    public IReadOnlyDictionary<string, string> Read(SqliteDataReader reader, int ordinal, string what)
    {
        var json = reader.GetString(ordinal);
        if (_byJson.TryGetValue(json, out var shared)) return shared;
        var parsed = new ReadOnlyDictionary<string, string>(SqliteValues.FromJson(json, what));
        if (_byJson.Count < Capacity) _byJson.Add(json, parsed);
        return parsed;
    }
}
