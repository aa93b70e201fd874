namespace StorageSnapshot.Engine.Facade;

/// <summary>Test-StorageInventory: what to compare and what to repair.</summary>
public sealed record InventoryCheckRequest
{
    /// <summary>Backends to check (name patterns). With neither these nor <see cref="Destinations"/>, everything is checked.</summary>
    public IReadOnlyList<string>? Backends { get; init; }

    /// <summary>Secondary storages to check (name patterns). With neither these nor <see cref="Backends"/>, everything is checked.</summary>
    public IReadOnlyList<string>? Destinations { get; init; }

    /// <summary>The repair to make of every difference it applies to (ShouldProcess per item); null reports only.</summary>
    public DriftRepair? Repair { get; init; }

    /// <summary>
    /// Unreferenced chunks younger than this are not reported (a copy may be about to reference them); by default the
    /// chunk collector's own grace period.
    /// </summary>
    public TimeSpan GracePeriod { get; init; } = Secondary.Maintenance.ChunkCollector.DefaultGracePeriod;
}
