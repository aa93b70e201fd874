namespace StorageSnapshot.Engine.Facade;

/// <summary>
/// New- and Set- of a snapshot policy. For a new policy, null members take their defaults; for a change, null
/// members stay as they are.
/// </summary>
public sealed record PolicyRequest(string Name)
{
    /// <summary>Free text.</summary>
    public string? Description { get; init; }

    /// <summary>Volume names or wildcard patterns.</summary>
    public IReadOnlyList<string>? Volumes { get; init; }

    /// <summary>Backend names.</summary>
    public IReadOnlyList<string>? Backends { get; init; }

    /// <summary>Cron expressions (friendly forms are turned into these by the engine's schedule forms).</summary>
    public IReadOnlyList<string>? Schedules { get; init; }

    /// <summary>Time zone id; null = the machine's zone for a new policy.</summary>
    public string? TimeZone { get; init; }

    /// <summary>Snapshot retention.</summary>
    public RetentionRules? Retention { get; init; }

    /// <summary>Secondary storage to copy to.</summary>
    public string? Destination { get; init; }

    /// <summary>Set: stop copying (clears the destination and the copy retention).</summary>
    public bool ClearDestination { get; init; }

    /// <summary>Copy retention.</summary>
    public RetentionRules? CopyRetention { get; init; }

    /// <summary>Description template of the snapshots taken.</summary>
    public string? SnapshotDescription { get; init; }

    /// <summary>Tags of the snapshots taken.</summary>
    public IReadOnlyDictionary<string, string>? SnapshotTags { get; init; }

    /// <summary>How late a slot may still be taken.</summary>
    public TimeSpan? StartWindow { get; init; }

    /// <summary>Take the latest missed slot once.</summary>
    public bool? CatchUp { get; init; }
}
