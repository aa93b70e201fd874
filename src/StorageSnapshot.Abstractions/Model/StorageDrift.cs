namespace StorageSnapshot;

/// <summary>How the inventory and the storage disagree, in a <see cref="StorageDrift"/>.</summary>
public enum DriftKind
{
    /// <summary>On the storage (a volume, a snapshot, a copy's manifest) but not in the inventory.</summary>
    Orphan,
    /// <summary>In the inventory but gone from the storage.</summary>
    Missing,
    /// <summary>
    /// A snapshot whose parent is gone: its volume is gone from the storage while the snapshot is still there, or the
    /// snapshot it was taken after (its ParentId) is in the inventory no more.
    /// </summary>
    ParentMissing,
    /// <summary>Work in progress an interrupted operation left on the storage (temporary files, half-made images).</summary>
    Leftover,
    /// <summary>Chunks of a repository that no copy references, older than the grace period (one item per repository).</summary>
    UnreferencedChunks,
}

/// <summary>
/// What <c>Test-StorageInventory -Repair</c> does about a difference. Numbered from 1 so that every repair done is true in
/// PowerShell (<c>Where-Object Repaired</c>).
/// </summary>
public enum DriftRepair
{
    /// <summary>Record what is on the storage in the inventory (an orphan volume, snapshot or copy).</summary>
    Adopt = 1,
    /// <summary>Remove the inventory's record of what the storage no longer has (or the dangling parent link).</summary>
    Forget = 2,
    /// <summary>Delete it from the storage (an orphan, a snapshot whose volume is gone, leftovers, unreferenced chunks).</summary>
    Remove = 3,
}

/// <summary>
/// One difference between the inventory and what a backend's driver or a repository's manifests show
/// (<c>Test-StorageInventory</c>), and what a repair did about it. Carries Backend, Volume and Destination so that
/// the next command can bind them by name.
/// </summary>
public sealed record StorageDrift
{
    /// <summary>How the inventory and the storage disagree.</summary>
    public DriftKind Kind { get; init; }

    /// <summary>What the difference is about: a volume, a snapshot, a copy, or a secondary storage (its chunks).</summary>
    public TargetKind ObjectType { get; init; }

    /// <summary>The backend (null for a difference on secondary storage).</summary>
    public string? Backend { get; init; }

    /// <summary>The volume's name (for volumes, snapshots and leftovers).</summary>
    public string? Volume { get; init; }

    /// <summary>The secondary storage (for copies and chunks).</summary>
    public string? Destination { get; init; }

    /// <summary>
    /// The object's name: the volume's, the snapshot's (its key on the storage for an orphan), the copy's id, the
    /// leftover's file or image name.
    /// </summary>
    public string? Name { get; init; }

    /// <summary>The inventory id of the object, when the inventory has it (or has it now, after Adopt).</summary>
    public string? Id { get; init; }

    /// <summary>Where it is on the storage (a path, an rbd: URI, a repository), when known.</summary>
    public string? Location { get; init; }

    /// <summary>Its size in bytes, when known (for unreferenced chunks: what they take in the repository).</summary>
    public long SizeBytes { get; init; }

    /// <summary>How many objects the item stands for (chunks for UnreferencedChunks; 1 otherwise).</summary>
    public long Count { get; init; } = 1;

    /// <summary>What is wrong, in words.</summary>
    public required string Description { get; init; }

    /// <summary>The repairs that apply to it.</summary>
    public IReadOnlyList<DriftRepair> Repairs { get; init; } = [];

    /// <summary>The repair done, when <c>-Repair</c> did one; null otherwise.</summary>
    public DriftRepair? Repaired { get; init; }

    /// <summary>The journal entry of the repair (Get-StorageOperation -Id), when it ran as an operation.</summary>
    public string? OperationId { get; init; }
}
