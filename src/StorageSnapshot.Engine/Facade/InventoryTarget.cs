namespace StorageSnapshot.Engine.Facade;

/// <summary>
/// An inventory to use or move to (Set-/Move-StorageInventory): a PostgreSQL database, an SQLite file, or the
/// default SQLite file in the home folder.
/// </summary>
public sealed record InventoryTarget
{
    private InventoryTarget(InventoryKind kind, string? connectionString, string? password, string? path)
    {
        Kind = kind;
        ConnectionString = connectionString;
        Password = password;
        Path = path;
    }

    /// <summary>SQLite or PostgreSQL.</summary>
    public InventoryKind Kind { get; }

    /// <summary>The PostgreSQL connection string (may hold no password: then -Credential's, PGPASSWORD or a pgpass file).</summary>
    public string? ConnectionString { get; }

    /// <summary>The PostgreSQL password given apart (-Credential), stored protected.</summary>
    public string? Password { get; }

    /// <summary>The SQLite file; null for the default file in the home folder.</summary>
    public string? Path { get; }

    /// <summary>A PostgreSQL database; a credential (-Credential) names the user and gives the password apart.</summary>
    public static InventoryTarget PostgreSql(string connectionString, string? userName = null, string? password = null)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        if (!string.IsNullOrEmpty(userName))
        {
            var builder = Inventory.Postgres.PostgresConnection.Parse(connectionString);
            builder.Username = userName;
            builder.ApplicationName = null;
            connectionString = builder.ConnectionString;
        }
        return new(InventoryKind.PostgreSql, connectionString, password, null);
    }

    /// <summary>An SQLite file (full path).</summary>
    public static InventoryTarget Sqlite(string path) => new(InventoryKind.Sqlite, null, null, System.IO.Path.GetFullPath(path));

    /// <summary>The default SQLite file in the home folder.</summary>
    public static InventoryTarget Default { get; } = new(InventoryKind.Sqlite, null, null, null);
}
