namespace StorageSnapshot.Engine.Inventory.Sqlite;

/// <summary>PLACEHOLDER: the SQLite inventory lands with the inventory work.</summary>
public sealed partial class SqliteInventory
{
}
