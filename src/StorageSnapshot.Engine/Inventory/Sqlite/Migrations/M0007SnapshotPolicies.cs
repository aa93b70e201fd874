namespace StorageSnapshot.Engine.Inventory.Sqlite.Migrations;

/// <summary>
/// Snapshot policies. The definition is one versioned JSON document (Policies/PolicyDefinitionJson.cs): nothing
/// queries inside it, and its shape grows with the feature without a migration per field. What a policy made is not
/// recorded here for snapshots: it is read from the client tokens of its snapshots (Policies/PolicyTokens.cs),
/// written with the snapshot in one step. Copies have no token and outlive their snapshots (that is what copy
/// retention is for), so policy_copies records which copies a policy made and the slot each stands for. It has no
/// foreign key: a row whose copy is gone is ignored and deleted by the next retention of that policy.
/// </summary>
internal static class M0007SnapshotPolicies
{
    public static SqliteMigration Migration { get; } = new(7, "snapshot policies", """
        CREATE TABLE snapshot_policies (
            id         TEXT NOT NULL PRIMARY KEY,
            name       TEXT NOT NULL COLLATE NOCASE UNIQUE,
            definition TEXT NOT NULL,
            created    INTEGER NOT NULL,
            updated    INTEGER NOT NULL
        );

        CREATE TABLE policy_copies (
            copy_id TEXT    NOT NULL PRIMARY KEY,
            policy  TEXT    NOT NULL COLLATE NOCASE,
            slot    INTEGER NOT NULL
        );
        CREATE INDEX ix_policy_copies_policy ON policy_copies (policy);
        """);
}
