namespace StorageSnapshot.Engine.Inventory.Sqlite.Migrations;

/// <summary>
/// The properties of each secondary storage (S3: region, addressing, access key; the secret key protected), as a
/// JSON object. NULL for directories and for storages registered before.
/// </summary>
internal static class M0009SecondaryStorageProperties
{
    public static SqliteMigration Migration { get; } = new(9, "properties of secondary storages", """
        ALTER TABLE secondary_storages ADD COLUMN properties TEXT;
        """);
}
