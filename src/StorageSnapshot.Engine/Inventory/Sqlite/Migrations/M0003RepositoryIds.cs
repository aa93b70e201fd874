namespace StorageSnapshot.Engine.Inventory.Sqlite.Migrations;

/// <summary>
/// The id of the repository behind each secondary storage (from its format file). Unique: one repository is
/// registered under one name. Storages registered before keep NULL until re-registered.
/// </summary>
internal static class M0003RepositoryIds
{
    public static SqliteMigration Migration { get; } = new(3, "repository ids of secondary storages", """
        ALTER TABLE secondary_storages ADD COLUMN repository_id TEXT;
        CREATE UNIQUE INDEX ux_secondary_storages_repository ON secondary_storages (repository_id COLLATE NOCASE) WHERE repository_id IS NOT NULL;
        """);
}
