using Npgsql;
using StorageSnapshot.Engine.Inventory.Rows;

namespace StorageSnapshot.Engine.Inventory.Postgres;

/// <summary>
/// A snapshot row of an <see cref="NpgsqlDataReader"/> for <see cref="SnapshotRows"/>. Text columns are copied as
/// their raw UTF-8 bytes (the wire format of text in a UTF8 database) with <see cref="NpgsqlDataReader.GetBytes"/>
/// into the listing's <see cref="PostgresRowBytes"/>: no string, no array per value, and none of Npgsql's converter
/// machinery — GetString decodes every value and allocates, which was most of a listing's cost over stepping its rows.
/// </summary>
internal readonly struct PostgresSnapshotColumns(NpgsqlDataReader reader, PostgresRowBytes bytes) : ISnapshotColumns
{
    public ReadOnlySpan<byte> Utf8(int column) => bytes.Read(reader, column);

    public ReadOnlySpan<byte> Utf8OrEmpty(int column) => reader.IsDBNull(column) ? default : bytes.Read(reader, column);

    public bool TryUtf8(int column, out ReadOnlySpan<byte> utf8)
    {
        if (reader.IsDBNull(column))
        {
            utf8 = default;
            return false;
        }
        utf8 = bytes.Read(reader, column);
        return true;
    }

    public long Int64(int column) => reader.GetInt64(column);

    public DateTime Time(int column) => reader.GetUtc(column);

    public DateTime? NullableTime(int column) => reader.GetNullableUtc(column);
}

/// <summary>
/// The bytes of one row's text columns, each in its own range of one array: every span handed out for a row stays
/// valid until <see cref="NextRow"/> (the mapper compares a volume id's bytes after reading the next columns). The
/// array grows to the largest row seen and is reused row after row; a span into an array replaced by a larger one
/// keeps that array alive, so growing mid-row is safe.
/// </summary>
internal sealed class PostgresRowBytes
{
    private byte[] _buffer = GC.AllocateUninitializedArray<byte>(1024);
    private int _used;

    /// <summary>Starts a row: the ranges of the row before are reused.</summary>
    public void NextRow() => _used = 0;

    /// <summary>The column's UTF-8 bytes (the column must not be NULL: Npgsql refuses GetBytes on NULL).</summary>
    public ReadOnlySpan<byte> Read(NpgsqlDataReader reader, int column)
    {
        var start = _used;
        var free = _buffer.Length - start;
        var read = (int)reader.GetBytes(column, 0, _buffer, start, free);
        if (read == free)
        {
            // Filled what was left: the value may be longer. Ask its length (no copy), grow, read it whole.
            var length = checked((int)reader.GetBytes(column, 0, null, 0, 0));
            if (length > free)
            {
                _buffer = GC.AllocateUninitializedArray<byte>(Math.Max(_buffer.Length * 2, length));
                start = 0;
                read = (int)reader.GetBytes(column, 0, _buffer, 0, length);
            }
        }
        _used = start + read;
        return _buffer.AsSpan(start, read);
    }
}
