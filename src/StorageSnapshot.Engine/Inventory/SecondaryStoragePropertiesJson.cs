using Newtonsoft.Json;

namespace StorageSnapshot.Engine.Inventory;

/// <summary>
/// A secondary storage's properties (S3: endpoint details, access key, the secret key protected) as stored in the
/// <c>properties</c> column of either inventory store: a JSON object, NULL when there are none (directories, and
/// storages registered before the column existed). One format, so an inventory moves between stores unchanged.
/// </summary>
internal static class SecondaryStoragePropertiesJson
{
    /// <summary>The column's value for <paramref name="properties"/>: null when empty.</summary>
    public static string? ToColumn(IReadOnlyDictionary<string, string> properties) =>
        properties.Count == 0 ? null : JsonConvert.SerializeObject(properties);

    /// <summary>The properties a column value holds (case-insensitive names); empty for NULL.</summary>
    public static Dictionary<string, string> FromColumn(string? json) =>
        new(json is null ? [] : JsonConvert.DeserializeObject<Dictionary<string, string>>(json) ?? [], StringComparer.OrdinalIgnoreCase);
}
