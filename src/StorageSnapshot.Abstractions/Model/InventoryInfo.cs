namespace StorageSnapshot;

/// <summary>Which store holds the inventory.</summary>
public enum InventoryKind
{
    /// <summary>The embedded SQLite file (the default): one host.</summary>
    Sqlite,

    /// <summary>A PostgreSQL database: shared by every host that points at it.</summary>
    PostgreSql,
}

/// <summary>Where the inventory choice came from.</summary>
public enum InventorySource
{
    /// <summary>Nothing chosen: the SQLite file in the home folder.</summary>
    Default,

    /// <summary>The per-user setting written by Set-StorageInventory.</summary>
    UserSetting,

    /// <summary>$env:STORAGESNAPSHOT_INVENTORY (a PostgreSQL connection string), which overrides the setting.</summary>
    Environment,
}

/// <summary>The inventory in use (Get-StorageInventory).</summary>
public sealed record InventoryInfo
{
    /// <summary>SQLite or PostgreSQL.</summary>
    public required InventoryKind Kind { get; init; }

    /// <summary>The schema version of the store (the same numbering on both kinds).</summary>
    public required int SchemaVersion { get; init; }

    /// <summary>Where it is: the file's path, or postgresql://user@host:port/database (never a password).</summary>
    public required string Location { get; init; }

    /// <summary>What chose it.</summary>
    public required InventorySource Source { get; init; }

    /// <summary>True when several hosts can share it (PostgreSQL).</summary>
    public bool Shared => Kind == InventoryKind.PostgreSql;
}
