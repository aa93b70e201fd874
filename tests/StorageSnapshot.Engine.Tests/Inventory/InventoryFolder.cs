using StorageSnapshot.Engine.Inventory.Sqlite;

namespace StorageSnapshot.Engine.Tests.Inventory;

/// <summary>A temporary folder for real SQLite inventory files, deleted with everything in it on dispose.</summary>
public sealed class InventoryFolder : IDisposable
{
    public InventoryFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"storagesnapshot-inventory-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>The default inventory file in the folder (its parent folder is created by OpenAsync).</summary>
    public string DatabasePath => System.IO.Path.Combine(Path, "home", "inventory.db");

    internal Task<SqliteInventory> OpenAsync() => SqliteInventory.OpenAsync(DatabasePath, CancellationToken.None);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
