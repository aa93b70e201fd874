namespace StorageSnapshot.Engine.Inventory.Sqlite.Migrations;

/// <summary>
/// Every schema step this build knows, in order. Adding a record type = a new numbered file in this folder plus
/// one line here. Never edit a migration that has shipped: inventories in the field have already run it.
/// </summary>
internal static class SqliteMigrations
{
    public static IReadOnlyList<SqliteMigration> All { get; } =
    [
        M0001InitialSchema.Migration,
        M0002SecondaryStorage.Migration,
        M0003RepositoryIds.Migration,
        M0004TypedJournal.Migration,
        M0005SnapshotNameIndex.Migration,
        M0006RecoveryAndAudit.Migration,
        M0007SnapshotPolicies.Migration,
        M0009SecondaryStorageProperties.Migration,
    ];
}
