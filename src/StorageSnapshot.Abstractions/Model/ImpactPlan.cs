namespace StorageSnapshot;

/// <summary>
/// What a revert or delete would touch — shown by -WhatIf and in the ShouldProcess text, and returned by the
/// Plan* methods so front ends can show the dependency graph.
/// </summary>
public sealed record ImpactPlan
{
    /// <summary>The snapshot acted on.</summary>
    public required Snapshot Snapshot { get; init; }

    /// <summary>The volume it belongs to.</summary>
    public required Volume Volume { get; init; }

    /// <summary>Snapshots of the volume taken after it (a revert discards or keeps them, per driver).</summary>
    public IReadOnlyList<Snapshot> NewerSnapshots { get; init; } = Array.Empty<Snapshot>();

    /// <summary>Snapshots whose parent it is (a delete re-parents them to its parent).</summary>
    public IReadOnlyList<Snapshot> Children { get; init; } = Array.Empty<Snapshot>();

    /// <summary>Volumes cloned from it.</summary>
    public IReadOnlyList<Volume> Clones { get; init; } = Array.Empty<Volume>();

    /// <summary>True when the operation would destroy the newer snapshots (driver capability RevertDestroysNewerSnapshots).</summary>
    public bool DestroysNewerSnapshots { get; init; }

    /// <summary>Why the operation would be refused, if it would (for example SnapshotHasDependents); null when it may go ahead.</summary>
    public StorageSnapshotException? Refusal { get; init; }

    /// <summary>The sentence used as the ShouldProcess action: what would happen and what would be lost.</summary>
    public required string Description { get; init; }
}
