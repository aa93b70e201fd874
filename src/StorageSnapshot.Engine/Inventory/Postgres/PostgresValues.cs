using System.Collections.ObjectModel;
using Npgsql;
using StorageSnapshot.Engine.Inventory.Sqlite;

namespace StorageSnapshot.Engine.Inventory.Postgres;

/// <summary>
/// How record values are stored on PostgreSQL, agreeing with SQLite value for value (<see cref="SqliteValues"/>
/// for the shared parts: enum names, the dictionaries' JSON text): times as timestamptz of whole milliseconds (the
/// sub-millisecond part dropped as SQLite drops it), so that a record reads back the same from either store.
/// </summary>
internal static class PostgresValues
{
    /// <summary>The time as stored: UTC, floored to the millisecond (Npgsql wants Kind=Utc for timestamptz).</summary>
    public static DateTime ToStored(DateTime time) => SqliteValues.FromUnixMilliseconds(SqliteValues.ToUnixMilliseconds(time));

    /// <summary>Adds a parameter; null becomes SQL NULL.</summary>
    public static void Set(this NpgsqlParameterCollection parameters, string name, object? value) =>
        parameters.AddWithValue(name, value ?? DBNull.Value);

    /// <summary>
    /// Adds a text parameter (typed, so a NULL is text too). PostgreSQL's text cannot hold U+0000, which SQLite's
    /// can: such a value is refused with a clear error before anything is written, never truncated or altered.
    /// </summary>
    public static void SetText(this NpgsqlParameterCollection parameters, string name, string? value)
    {
        if (value is not null && value.Contains('\0'))
        {
            throw new ValidationException(ErrorIds.InvalidArgument,
                $"The {name.Replace('_', ' ')} '{value.Replace("\0", "\\0", StringComparison.Ordinal)}' holds a NUL character (U+0000), which a PostgreSQL inventory cannot store; remove it.",
                value);
        }
        parameters.AddWithValue(name, NpgsqlTypes.NpgsqlDbType.Text, (object?)value ?? DBNull.Value);
    }

    /// <summary>Adds a nullable time parameter (timestamptz).</summary>
    public static void SetTime(this NpgsqlParameterCollection parameters, string name, DateTime? value) =>
        parameters.AddWithValue(name, NpgsqlTypes.NpgsqlDbType.TimestampTz, value is { } time ? ToStored(time) : DBNull.Value);

    /// <summary>Adds a text[] parameter (for = ANY(@x)).</summary>
    public static void SetTextArray(this NpgsqlParameterCollection parameters, string name, IEnumerable<string> values) =>
        parameters.AddWithValue(name, NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text, values.ToArray());

    /// <summary>The column's text, or null.</summary>
    public static string? GetNullableString(this NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>The column's time (UTC).</summary>
    public static DateTime GetUtc(this NpgsqlDataReader reader, int ordinal) =>
        // -infinity (DateTime.MinValue) comes back Unspecified: every time in the model is UTC.
        DateTime.SpecifyKind(reader.GetFieldValue<DateTime>(ordinal), DateTimeKind.Utc);

    /// <summary>The column's time (UTC), or null.</summary>
    public static DateTime? GetNullableUtc(this NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetUtc(ordinal);

    /// <summary>The column's enum member.</summary>
    public static TEnum GetEnum<TEnum>(this NpgsqlDataReader reader, int ordinal) where TEnum : struct, Enum =>
        SqliteValues.ParseEnum<TEnum>(reader.GetString(ordinal));

    /// <summary>The column's JSON dictionary, read-only.</summary>
    public static IReadOnlyDictionary<string, string> GetDictionary(this NpgsqlDataReader reader, int ordinal, string what) =>
        new ReadOnlyDictionary<string, string>(SqliteValues.FromJson(reader.GetString(ordinal), what));
}
