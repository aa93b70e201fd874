using System.Globalization;
using Microsoft.Data.Sqlite;
using Newtonsoft.Json;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

/// <summary>
/// How record values are stored, in one place so every table agrees: times as INTEGER unix milliseconds (UTC),
/// enums as TEXT names (readable with the sqlite3 shell, stable when members are added), string dictionaries as
/// a JSON object (an empty one is "{}", never NULL).
/// </summary>
internal static class SqliteValues
{
    private const string EmptyJsonObject = "{}";

    /// <summary>
    /// Milliseconds since the Unix epoch. Local times are converted; an Unspecified kind is taken as UTC already,
    /// because every time in the model is a *Utc property. Sub-millisecond ticks are dropped (floor).
    /// </summary>
    public static long ToUnixMilliseconds(DateTime time)
    {
        var utc = time.Kind switch
        {
            DateTimeKind.Local => time.ToUniversalTime(),
            DateTimeKind.Unspecified => DateTime.SpecifyKind(time, DateTimeKind.Utc),
            _ => time,
        };
        var ticks = utc.Ticks - DateTime.UnixEpoch.Ticks;
        var milliseconds = Math.DivRem(ticks, TimeSpan.TicksPerMillisecond, out var remainder);
        return remainder < 0 ? milliseconds - 1 : milliseconds;
    }

    /// <summary>The UTC time stored as <paramref name="milliseconds"/>; always DateTimeKind.Utc.</summary>
    public static DateTime FromUnixMilliseconds(long milliseconds) =>
        new(DateTime.UnixEpoch.Ticks + milliseconds * TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);

    /// <summary>The dictionary as a JSON object.</summary>
    public static string ToJson(IReadOnlyDictionary<string, string>? values)
    {
        if (values is null || values.Count == 0) return EmptyJsonObject;
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var writer = new JsonTextWriter(text))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in values)
            {
                writer.WritePropertyName(key);
                writer.WriteValue(value);
            }
            writer.WriteEndObject();
        }
        return text.ToString();
    }

    /// <summary>A case-insensitive dictionary read back from <see cref="ToJson"/>'s text.</summary>
    public static Dictionary<string, string> FromJson(string json, string what)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (json == EmptyJsonObject) return values;
        try
        {
            // DateParseHandling.None: a value that looks like a date must come back as the exact text stored.
            using var reader = new JsonTextReader(new StringReader(json)) { DateParseHandling = DateParseHandling.None };
            if (!reader.Read() || reader.TokenType != JsonToken.StartObject) throw new JsonReaderException("not a JSON object");
            while (reader.Read() && reader.TokenType == JsonToken.PropertyName)
            {
                var key = (string)reader.Value!;
                var value = reader.ReadAsString();
                values[key] = value ?? "";
            }
            if (reader.TokenType != JsonToken.EndObject) throw new JsonReaderException("not an object of strings");
        }
        catch (JsonReaderException e)
        {
            throw new InventoryUnavailableException($"The inventory holds malformed {what} ({e.Message}): {json}", e);
        }
        return values;
    }

    /// <summary>A JSON array, bound as one parameter and expanded in SQL with json_each.</summary>
    public static string ToJsonArray(IEnumerable<string> values) => JsonConvert.SerializeObject(values);

    /// <summary>The enum member's name; refuses values that are not defined members (nothing is written).</summary>
    public static string ToText<TEnum>(TEnum value) where TEnum : struct, Enum =>
        EnumText<TEnum>.Names.TryGetValue(value, out var name)
            ? name
            : throw new ValidationException(ErrorIds.InvalidArgument,
                $"{Convert.ToInt64(value, CultureInfo.InvariantCulture)} is not a valid {typeof(TEnum).Name}.", value);

    /// <summary>The enum member stored as <paramref name="text"/>.</summary>
    public static TEnum ParseEnum<TEnum>(string text) where TEnum : struct, Enum =>
        EnumText<TEnum>.Values.TryGetValue(text, out var value)
            ? value
            : throw new InventoryUnavailableException(
                $"The inventory holds the {typeof(TEnum).Name} '{text}', which this build does not know; it was probably written by a newer StorageSnapshot.");

    /// <summary>Adds a parameter; null becomes SQL NULL.</summary>
    public static void Set(this SqliteParameterCollection parameters, string name, object? value) =>
        parameters.AddWithValue(name, value ?? DBNull.Value);

    /// <summary>Adds a nullable time parameter as unix milliseconds.</summary>
    public static void SetTime(this SqliteParameterCollection parameters, string name, DateTime? value) =>
        parameters.Set(name, value is { } time ? ToUnixMilliseconds(time) : null);

    /// <summary>The column's text, or null.</summary>
    public static string? GetNullableString(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>The column's time (UTC).</summary>
    public static DateTime GetUtc(this SqliteDataReader reader, int ordinal) => FromUnixMilliseconds(reader.GetInt64(ordinal));

    /// <summary>The column's time (UTC), or null.</summary>
    public static DateTime? GetNullableUtc(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : FromUnixMilliseconds(reader.GetInt64(ordinal));

    /// <summary>The column's enum member.</summary>
    public static TEnum GetEnum<TEnum>(this SqliteDataReader reader, int ordinal) where TEnum : struct, Enum =>
        ParseEnum<TEnum>(reader.GetString(ordinal));

    /// <summary>The column's JSON dictionary.</summary>
    public static Dictionary<string, string> GetDictionary(this SqliteDataReader reader, int ordinal, string what) =>
        FromJson(reader.GetString(ordinal), what);

    /// <summary>Enum members by name and names by member, built once per type.</summary>
    private static class EnumText<TEnum> where TEnum : struct, Enum
    {
        public static readonly Dictionary<TEnum, string> Names = Enum.GetValues<TEnum>().Distinct().ToDictionary(v => v, v => v.ToString());
        public static readonly Dictionary<string, TEnum> Values = Names.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);
    }
}
