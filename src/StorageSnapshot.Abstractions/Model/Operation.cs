namespace StorageSnapshot;

/// <summary>What an operation in the journal does. Each kind has one details record (<see cref="OperationDetails"/>).</summary>
public enum OperationKind
{
    /// <summary>Create a volume (<see cref="CreateVolumeDetails"/>).</summary>
    CreateVolume,
    /// <summary>Clone a new volume from a snapshot (<see cref="CloneVolumeDetails"/>).</summary>
    CloneVolume,
    /// <summary>Delete a volume (<see cref="DeleteVolumeDetails"/>).</summary>
    DeleteVolume,
    /// <summary>Create a snapshot (<see cref="CreateSnapshotDetails"/>).</summary>
    CreateSnapshot,
    /// <summary>Revert a volume to a snapshot (<see cref="RevertSnapshotDetails"/>).</summary>
    RevertSnapshot,
    /// <summary>Delete a snapshot (<see cref="DeleteSnapshotDetails"/>).</summary>
    DeleteSnapshot,
    /// <summary>Copy a snapshot to secondary storage (<see cref="CopyToSecondaryDetails"/>).</summary>
    CopyToSecondary,
    /// <summary>Restore a volume (or a new one) from a secondary copy (<see cref="RestoreFromCopyDetails"/>).</summary>
    RestoreFromCopy,
    /// <summary>Delete a copy from secondary storage (<see cref="DeleteCopyDetails"/>).</summary>
    DeleteCopy,
    /// <summary>Delete the chunks no copy references from a secondary storage (Remove-SnapshotCopy -Failed).</summary>
    CollectChunks,
    /// <summary>Repair one difference between the inventory and the storage (Test-StorageInventory -Repair; <see cref="RepairDriftDetails"/>).</summary>
    RepairDrift,
    /// <summary>Rebuild the copy records of a secondary storage from its repository's manifests (Import-SnapshotCopy; <see cref="ImportCopiesDetails"/>).</summary>
    ImportCopies,
}

/// <summary>Where an operation in the journal stands.</summary>
public enum OperationState
{
    /// <summary>Recorded and holding its lock; the driver (or the repository) may be working.</summary>
    Running,
    /// <summary>Finished; the target is in its new state.</summary>
    Succeeded,
    /// <summary>Failed; compensation ran and the target shows Error (or its old state).</summary>
    Failed,
    /// <summary>Its process died while it ran: found on open, waiting for repair.</summary>
    NeedsRecovery,
    /// <summary>Repair settled what a dead process left: see <see cref="Operation.Recovery"/> and <see cref="Operation.RecoveryNote"/>.</summary>
    Recovered,
}

/// <summary>Which way a repair settled an unfinished operation.</summary>
public enum RecoveryDirection
{
    /// <summary>Finished: what the operation set out to do is done (a snapshot the driver did take became Ready).</summary>
    RolledForward,
    /// <summary>Undone: the objects are as they were before it (a half-made volume removed, a volume reverted to its safety snapshot).</summary>
    RolledBack,
}

/// <summary>
/// One entry of the operation journal: a change to storage (primary or secondary), recorded before and after.
/// Inventory-only changes (Set-StorageSnapshot, backend and secondary-storage registration) are one transaction
/// each and leave only a <see cref="StorageEvent"/>.
/// </summary>
public sealed record Operation
{
    /// <summary>Journal id (sortable by start time).</summary>
    public required string Id { get; init; }

    /// <summary>What it does.</summary>
    public OperationKind Kind { get; init; }

    /// <summary>Where it stands.</summary>
    public OperationState State { get; init; }

    /// <summary>Backend name; null for an operation on secondary storage alone (a copy removal).</summary>
    public string? Backend { get; init; }

    /// <summary>Name of the volume whose lock it held; null when it held none.</summary>
    public string? Volume { get; init; }

    /// <summary>
    /// The secondary storage it involves (a copy, a restore from a copy, a copy removal), or null. An operation
    /// with no volume holds this storage's lock instead.
    /// </summary>
    public string? Destination { get; init; }

    /// <summary>What kind of object its target is.</summary>
    public TargetKind TargetKind { get; init; }

    /// <summary>Inventory id of the target.</summary>
    public string? TargetId { get; init; }

    /// <summary>When it started (UTC).</summary>
    public DateTime StartedUtc { get; init; }

    /// <summary>When it ended (UTC), if it has.</summary>
    public DateTime? EndedUtc { get; init; }

    /// <summary>How many times it was attempted (repair and retries add to it).</summary>
    public int Attempts { get; init; } = 1;

    /// <summary>Error message of a failed attempt.</summary>
    public string? Error { get; init; }

    /// <summary>Who ran it: host, process id and process start time.</summary>
    public string? Owner { get; init; }

    /// <summary>
    /// What recovery needs to finish or undo it — driver references, keys, what was done so far — as the record
    /// of its <see cref="Kind"/> (stored as versioned JSON). Null only for entries that carry none.
    /// </summary>
    public OperationDetails? Details { get; init; }

    /// <summary>Which way a repair settled it (state <see cref="OperationState.Recovered"/>); null before.</summary>
    public RecoveryDirection? Recovery { get; init; }

    /// <summary>What the repair did and why, in words; null before a repair.</summary>
    public string? RecoveryNote { get; init; }
}
