namespace StorageSnapshot;

/// <summary>
/// A snapshot policy: what it covers (volumes by name pattern, by backend; resolved at each run, so new volumes
/// join), when it takes snapshots (cron schedules in a time zone), how long it keeps them, and optionally where it
/// copies them and how long it keeps the copies. Snapshots and copies it makes carry its name.
/// </summary>
public sealed record SnapshotPolicy
{
    /// <summary>Inventory id.</summary>
    public required string Id { get; init; }

    /// <summary>Name, unique (case-insensitive); fixed once created, because what the policy made carries it.</summary>
    public required string Name { get; init; }

    /// <summary>Free text.</summary>
    public string? Description { get; init; }

    /// <summary>Volume names (wildcards allowed) the policy covers; empty means every volume of <see cref="Backends"/>.</summary>
    public IReadOnlyList<string> Volumes { get; init; } = Array.Empty<string>();

    /// <summary>Backends whose volumes the policy covers; empty means every backend.</summary>
    public IReadOnlyList<string> Backends { get; init; } = Array.Empty<string>();

    /// <summary>Five-field cron expressions, read in <see cref="TimeZone"/>.</summary>
    public IReadOnlyList<string> Schedules { get; init; } = Array.Empty<string>();

    /// <summary>Time zone id (IANA, such as Europe/Berlin, or Windows) for the schedules and the retention periods.</summary>
    public string TimeZone { get; init; } = "UTC";

    /// <summary>How long snapshots are kept.</summary>
    public RetentionRules Retention { get; init; } = new();

    /// <summary>Secondary storage each snapshot is copied to, if any.</summary>
    public string? Destination { get; init; }

    /// <summary>How long copies on <see cref="Destination"/> are kept (usually longer and sparser than snapshots).</summary>
    public RetentionRules CopyRetention { get; init; } = new();

    /// <summary>Description of each snapshot taken; {policy}, {volume} and {slot} are replaced.</summary>
    public string? SnapshotDescription { get; init; }

    /// <summary>Tags set on each snapshot taken (besides policy=&lt;name&gt;).</summary>
    public IReadOnlyDictionary<string, string> SnapshotTags { get; init; } =
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// How late a slot may still be taken: a run later than this after a slot reports it missed instead, unless
    /// <see cref="CatchUp"/>.
    /// </summary>
    public TimeSpan StartWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Take the latest missed slot once, however late (the host was down at the slot).</summary>
    public bool CatchUp { get; init; }

    /// <summary>When it was created (UTC).</summary>
    public DateTime CreatedUtc { get; init; }

    /// <summary>When it was last changed (UTC).</summary>
    public DateTime UpdatedUtc { get; init; }
}
