using System.Text;
using StorageSnapshot.Engine.Inventory.Rows;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

/// <summary>
/// The snapshot queries. A snapshot row carries its volume's and backend's names, so every read joins volumes
/// (a primary-key lookup per row); <see cref="SnapshotRows"/> maps the columns in this order. Internal so the
/// benchmark can run the very same SQL raw as its baseline.
/// </summary>
internal static class SnapshotSql
{
    private const string Select = """
        SELECT s.id, s.volume_id, v.name, v.backend, s.name, s.created, s.size, s.state, s.description, s.tags,
               s.expires, s.client_token, s.parent_id, s.driver_ref, s.location, s.details, s.error
        FROM snapshots s JOIN volumes v ON v.id = s.volume_id
        """;

    private const string Order = " ORDER BY s.created, s.id";

    public const string ById = Select + " WHERE s.id = $id";
    public const string ByName = Select + " WHERE s.volume_id = $volume AND s.name = $name";
    public const string ByClientToken = Select + " WHERE s.volume_id = $volume AND s.client_token = $token";

    /// <summary>
    /// The SQL and parameters for <paramref name="query"/>. Lists are bound as one JSON array each, so the SQL
    /// text (and its prepared statement) depends only on which members are set.
    /// </summary>
    public static (string Sql, IReadOnlyList<KeyValuePair<string, object?>> Parameters) List(SnapshotQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = new StringBuilder(Select);
        var parameters = new List<KeyValuePair<string, object?>>();
        var separator = " WHERE ";

        void Where(string condition, string name, object? value)
        {
            sql.Append(separator).Append(condition);
            separator = " AND ";
            parameters.Add(new(name, value));
        }

        if (query.Ids is { } ids) Where("s.id IN (SELECT value FROM json_each($ids))", "$ids", SqliteValues.ToJsonArray(ids));
        if (query.VolumeIds is { Count: 1 } oneVolume)
        {
            // The common case gets a plain equality: a single range scan of ix_snapshots_volume_created,
            // already in ORDER BY order.
            Where("s.volume_id = $volume", "$volume", oneVolume.First());
        }
        else if (query.VolumeIds is { } volumeIds)
        {
            Where("s.volume_id IN (SELECT value FROM json_each($volumes))", "$volumes", SqliteValues.ToJsonArray(volumeIds));
        }
        if (query.Backends is { } backends) Where("v.backend IN (SELECT value FROM json_each($backends))", "$backends", SqliteValues.ToJsonArray(backends));
        if (query.States is { } states)
        {
            Where("s.state IN (SELECT value FROM json_each($states))", "$states", SqliteValues.ToJsonArray(states.Select(SqliteValues.ToText)));
        }
        if (query.ParentId is { } parentId) Where("s.parent_id = $parent", "$parent", parentId);
        if (query.ExpiresAtOrBeforeUtc is { } expires)
        {
            Where("s.expires <= $expires", "$expires", SqliteValues.ToUnixMilliseconds(expires));
        }
        sql.Append(Order);
        return (sql.ToString(), parameters);
    }
}
