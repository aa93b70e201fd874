using Microsoft.Data.Sqlite;
using System.Runtime.InteropServices;
using SQLitePCL;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

/// <summary>
/// A prepared statement driven through SQLite's own C API (SQLitePCLRaw, which Microsoft.Data.Sqlite is built on)
/// for the listings that return thousands of rows. Microsoft.Data.Sqlite decodes every text column into a new
/// string; here a row reader sees each column's UTF-8 bytes and makes a string only for values it has not just
/// seen (a volume's id and names, a state, tags shared by many snapshots), which keeps a listing within twice
/// the cost of merely stepping through its rows. Owned and cached by <see cref="SqliteSession"/>; only used while
/// holding the session's gate; a read inside a write transaction sees its writes (one connection). Columns are
/// read and rows stepped through <see cref="SqliteColumnAccess"/>; binding goes through SQLitePCLRaw.
/// </summary>
internal sealed unsafe class RawStatement : IDisposable
{
    private const int Row = 100;  // SQLITE_ROW
    private const int Done = 101; // SQLITE_DONE

    private readonly sqlite3 _database;
    private readonly sqlite3_stmt _statement;

    // The native statement for the column accessors. _statement owns it and is only disposed with this object,
    // which the session disposes after the last use, so the raw pointer never outlives it.
    private readonly nint _handle;

    public RawStatement(SqliteConnection connection, string sql)
    {
        _database = connection.Handle ?? throw new InvalidOperationException("The inventory connection is not open.");
        var rc = raw.sqlite3_prepare_v2(_database, sql, out _statement);
        SqliteException.ThrowExceptionForRC(rc, _database);
        _handle = _statement.DangerousGetHandle();
    }

    /// <summary>Resets the statement and binds <paramref name="parameters"/> by name (null → NULL).</summary>
    public void Bind(IEnumerable<KeyValuePair<string, object?>> parameters)
    {
        raw.sqlite3_reset(_statement);
        raw.sqlite3_clear_bindings(_statement);
        foreach (var (name, value) in parameters)
        {
            var index = raw.sqlite3_bind_parameter_index(_statement, name);
            if (index == 0) throw new ArgumentException($"The statement has no parameter {name}.", nameof(parameters));
            var rc = value switch
            {
                null => raw.sqlite3_bind_null(_statement, index),
                string text => raw.sqlite3_bind_text(_statement, index, text),
                long number => raw.sqlite3_bind_int64(_statement, index, number),
                int number => raw.sqlite3_bind_int64(_statement, index, number),
                _ => throw new ArgumentException($"Parameter {name}: {value.GetType().Name} values are not bound here.", nameof(parameters)),
            };
            SqliteException.ThrowExceptionForRC(rc, _database);
        }
    }

    /// <summary>Steps to the next row; false at the end. Errors (a busy database, I/O) throw SqliteException.</summary>
    public bool Step()
    {
        var rc = SqliteColumnAccess.Step(_handle);
        if (rc == Row) return true;
        if (rc == Done) return false;
        raw.sqlite3_reset(_statement);
        SqliteException.ThrowExceptionForRC(rc, _database);
        return false;
    }

    /// <summary>Ends the current run (releases its read snapshot) without finalizing the statement.</summary>
    public void Reset() => raw.sqlite3_reset(_statement);

    /// <summary>True when the column of the current row is NULL.</summary>
    public bool IsNull(int column) => SqliteColumnAccess.ColumnType(_handle, column) == SqliteColumnAccess.Null;

    /// <summary>The column's integer.</summary>
    public long Int64(int column) => SqliteColumnAccess.ColumnInt64(_handle, column);

    /// <summary>The column's text as UTF-8 bytes, valid until the next step; empty for NULL.</summary>
    public ReadOnlySpan<byte> Utf8(int column)
    {
        var text = SqliteColumnAccess.ColumnText(_handle, column);
        return text is null ? default : new ReadOnlySpan<byte>(text, SqliteColumnAccess.ColumnBytes(_handle, column));
    }

    /// <summary>
    /// The text of a column whose values never hold a NUL character (ids, names, enum names, JSON) as UTF-8
    /// bytes, valid until the next step; empty for NULL. Measures the length itself instead of asking SQLite:
    /// every SQLite accessor takes the connection's mutex, and a listing calls them for every column of every row.
    /// </summary>
    public ReadOnlySpan<byte> PlainUtf8(int column)
    {
        var text = SqliteColumnAccess.ColumnText(_handle, column);
        return text is null ? default : MemoryMarshal.CreateReadOnlySpanFromNullTerminated(text);
    }

    /// <summary>
    /// The column's text as UTF-8 bytes, valid until the next step, or false for NULL: one native call fewer
    /// than <see cref="Utf8"/> plus <see cref="IsNull"/> (SQLite hands out NULL as a null pointer).
    /// </summary>
    public bool TryUtf8(int column, out ReadOnlySpan<byte> utf8)
    {
        var text = SqliteColumnAccess.ColumnText(_handle, column);
        utf8 = text is null ? default : new ReadOnlySpan<byte>(text, SqliteColumnAccess.ColumnBytes(_handle, column));
        return text is not null;
    }

    public void Dispose() => _statement.Dispose();
}
