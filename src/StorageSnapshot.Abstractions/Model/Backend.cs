namespace StorageSnapshot;

/// <summary>A registered storage device: a driver plus its validated properties.</summary>
public sealed record Backend
{
    /// <summary>Unique, case-insensitive name (the key scripts use).</summary>
    public required string Name { get; init; }

    /// <summary>Name of the driver that manages it (see Get-StorageDriver).</summary>
    public required string Driver { get; init; }

    /// <summary>
    /// Validated properties in the driver's canonical spelling. Secret properties read as "********" in every
    /// object the engine returns; the inventory keeps their values in a file only its owner can read.
    /// </summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } =
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>When true, new operations are refused with BackendInMaintenance; running ones finish.</summary>
    public bool MaintenanceMode { get; init; }

    /// <summary>Why the backend is in maintenance (shown in the refusal).</summary>
    public string? MaintenanceReason { get; init; }

    /// <summary>When the backend was registered (UTC).</summary>
    public DateTime RegisteredUtc { get; init; }
}
