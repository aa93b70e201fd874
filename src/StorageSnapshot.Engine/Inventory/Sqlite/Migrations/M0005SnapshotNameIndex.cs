namespace StorageSnapshot.Engine.Inventory.Sqlite.Migrations;

internal static class M0005SnapshotNameIndex
{
    // Tab completion of snapshot names across every volume (Get-StorageSnapshot <Tab>) reads the names in order
    // and stops at its limit: an index on the name (NOCASE, as the column) makes that a short index scan instead
    // of a scan of the whole table, and lets a typed prefix become a range (SQLite's LIKE optimisation).
    public static SqliteMigration Migration { get; } = new(5, "snapshot names for completion", """
        CREATE INDEX ix_snapshots_name ON snapshots (name);
        """);
}
