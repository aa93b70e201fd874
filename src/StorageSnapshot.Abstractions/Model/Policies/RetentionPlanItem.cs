namespace StorageSnapshot;

/// <summary>What a retention plan item is.</summary>
public enum RetentionItemKind
{
    /// <summary>A snapshot on primary storage.</summary>
    Snapshot,
    /// <summary>A copy on secondary storage.</summary>
    Copy,
}

/// <summary>
/// One line of a retention plan (Get-SnapshotRetentionPlan): a snapshot or copy a policy made, Keep or Remove, and
/// the rule that decided. Carries Backend, Volume and Id so that it binds by property name.
/// </summary>
public sealed record RetentionPlanItem
{
    /// <summary>The policy that made it.</summary>
    public required string Policy { get; init; }

    /// <summary>Snapshot or copy.</summary>
    public RetentionItemKind Kind { get; init; }

    /// <summary>The snapshot's id, or the copy's.</summary>
    public required string Id { get; init; }

    /// <summary>The snapshot's name (of the copied snapshot, for a copy).</summary>
    public string? Name { get; init; }

    /// <summary>Backend of the volume.</summary>
    public required string Backend { get; init; }

    /// <summary>Name of the volume.</summary>
    public required string Volume { get; init; }

    /// <summary>Secondary storage holding it, for a copy.</summary>
    public string? Destination { get; init; }

    /// <summary>The schedule slot it stands for (UTC).</summary>
    public DateTime SlotUtc { get; init; }

    /// <summary>Keep or Remove.</summary>
    public RetentionAction Action { get; init; }

    /// <summary>What decided.</summary>
    public RetentionRule Rule { get; init; }

    /// <summary>The period the deciding rule kept it for ("2026-03-29", "2026-W13"), when a count rule did.</summary>
    public string? Period { get; init; }

    /// <summary>Every count rule that keeps it.</summary>
    public IReadOnlyList<RetentionRule> KeptBy { get; init; } = Array.Empty<RetentionRule>();

    /// <summary>What depends on it, when that is why it is kept.</summary>
    public string? Dependents { get; init; }
}
