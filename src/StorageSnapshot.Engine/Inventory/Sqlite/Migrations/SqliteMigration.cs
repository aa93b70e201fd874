namespace StorageSnapshot.Engine.Inventory.Sqlite.Migrations;

/// <summary>
/// One step of the inventory schema. <paramref name="Version"/> is its number in
/// <see cref="SqliteMigrations.All"/> (1, 2, 3 ... with no gaps); <paramref name="Sql"/> runs inside the
/// migration transaction and must not change journal_mode or other connection settings.
/// </summary>
internal sealed record SqliteMigration(int Version, string Name, string Sql);
