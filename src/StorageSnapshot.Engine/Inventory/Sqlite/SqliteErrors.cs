using Microsoft.Data.Sqlite;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

/// <summary>Classifies SQLite errors (result codes from sqlite3.h) into the engine's error model.</summary>
internal static class SqliteErrors
{
    private const int BusyCode = 5;
    private const int LockedCode = 6;
    private const int NotADatabase = 26;
    private const int Corrupt = 11;
    private const int Constraint = 19;
    private const int ConstraintForeignKey = 787;
    private const int ConstraintPrimaryKey = 1555;
    private const int ConstraintUnique = 2067;

    /// <summary>Another connection holds the lock past the busy timeout.</summary>
    public static bool IsBusy(this SqliteException e) => e.SqliteErrorCode is BusyCode or LockedCode;

    /// <summary>The file is not an SQLite database (or is encrypted, or is damaged beyond its header).</summary>
    public static bool IsNotADatabase(this SqliteException e) => e.SqliteErrorCode is NotADatabase or Corrupt;

    /// <summary>A constraint failed (the caller turns it into the error that names the object).</summary>
    public static bool IsConstraint(this SqliteException e) => e.SqliteErrorCode == Constraint;

    /// <summary>A UNIQUE or PRIMARY KEY constraint failed; <paramref name="columns"/> is SQLite's "table.col, table.col".</summary>
    public static bool IsUniqueViolation(this SqliteException e, out string columns)
    {
        columns = "";
        if (e.SqliteExtendedErrorCode is not (ConstraintUnique or ConstraintPrimaryKey)) return false;
        const string prefix = "constraint failed: ";
        var at = e.Message.IndexOf(prefix, StringComparison.OrdinalIgnoreCase);
        columns = at < 0 ? "" : e.Message[(at + prefix.Length)..].Trim().TrimEnd('.', '\'');
        return true;
    }

    /// <summary>A FOREIGN KEY constraint failed (a parent missing on insert, or children left on delete).</summary>
    public static bool IsForeignKeyViolation(this SqliteException e) =>
        e.SqliteExtendedErrorCode == ConstraintForeignKey
        // A RESTRICT action fires inside the statement and comes back as plain SQLITE_CONSTRAINT.
        || (e.SqliteErrorCode == Constraint && e.Message.Contains("FOREIGN KEY constraint failed", StringComparison.Ordinal));

    /// <summary>The error for a lock held by another process past the busy timeout.</summary>
    public static InventoryUnavailableException Locked(string path, TimeSpan timeout, SqliteException inner) =>
        new($"The inventory is locked by another process (waited {timeout.TotalSeconds:0.#} s for '{path}'); " +
            "try again when the other StorageSnapshot command has finished.", inner);

    /// <summary>The error for anything else SQLite reports (I/O, disk full, read-only file, corruption).</summary>
    public static InventoryUnavailableException Failed(string path, SqliteException inner) =>
        new($"The inventory '{path}' failed: {inner.Message}", inner);
}
