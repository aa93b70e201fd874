namespace StorageSnapshot.Engine.Inventory.Sqlite.Migrations;

/// <summary>
/// Repair and audit (issue 10). Operations: which way a repair settled an entry (a <see cref="RecoveryDirection"/>
/// name) and what it did, in words. Events: the operating-system user and host whose process recorded them, for
/// audit reports; older events keep NULL. Columns only: nothing is rebuilt.
/// </summary>
internal static class M0006RecoveryAndAudit
{
    public static SqliteMigration Migration { get; } = new(6, "operation recovery and event user and host", """
        ALTER TABLE operations ADD COLUMN recovery TEXT;
        ALTER TABLE operations ADD COLUMN recovery_note TEXT;
        ALTER TABLE events ADD COLUMN user TEXT;
        ALTER TABLE events ADD COLUMN host TEXT;
        """);
}
