using System.Runtime.InteropServices;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

/// <summary>
/// SQLite's stepping and column accessors called straight through function pointers, for <see cref="RawStatement"/>.
/// SQLitePCLRaw's own accessors cost about 50 ns a column (an interface call, SafeHandle reference counting,
/// and two native calls per text value), which made reading the 17 columns of a snapshot row cost twice as
/// much as SQLite's stepping to it (measured with the inventory benchmark). The pointers are looked up in the
/// very library SQLitePCLRaw's provider binds to — resolved for the provider's own assembly, the way its
/// DllImports are — so statements made by Microsoft.Data.Sqlite are only ever handed to the code that made them.
/// </summary>
internal static unsafe class SqliteColumnAccess
{
    private static readonly nint Library = NativeLibrary.Load("e_sqlite3", typeof(SQLitePCL.SQLite3Provider_e_sqlite3).Assembly, null);

    /// <summary>sqlite3_step (may wait for a lock: an ordinary, GC-aware native call).</summary>
    public static readonly delegate* unmanaged<nint, int> Step = (delegate* unmanaged<nint, int>)Export("sqlite3_step");

    /// <summary>sqlite3_column_text: the value as NUL-terminated UTF-8, valid until the next step; null for NULL.</summary>
    public static readonly delegate* unmanaged[SuppressGCTransition]<nint, int, byte*> ColumnText = (delegate* unmanaged[SuppressGCTransition]<nint, int, byte*>)Export("sqlite3_column_text");

    /// <summary>sqlite3_column_bytes: the length in bytes of the value just fetched as text.</summary>
    public static readonly delegate* unmanaged[SuppressGCTransition]<nint, int, int> ColumnBytes = (delegate* unmanaged[SuppressGCTransition]<nint, int, int>)Export("sqlite3_column_bytes");

    /// <summary>sqlite3_column_int64.</summary>
    public static readonly delegate* unmanaged[SuppressGCTransition]<nint, int, long> ColumnInt64 = (delegate* unmanaged[SuppressGCTransition]<nint, int, long>)Export("sqlite3_column_int64");

    /// <summary>sqlite3_column_type (5 is SQLITE_NULL).</summary>
    public static readonly delegate* unmanaged[SuppressGCTransition]<nint, int, int> ColumnType = (delegate* unmanaged[SuppressGCTransition]<nint, int, int>)Export("sqlite3_column_type");

    /// <summary>The SQLITE_NULL column type.</summary>
    public const int Null = 5;

    private static nint Export(string name) => NativeLibrary.GetExport(Library, name);
}
