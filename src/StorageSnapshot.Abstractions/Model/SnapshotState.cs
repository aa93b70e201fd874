namespace StorageSnapshot;

/// <summary>Lifecycle of a snapshot on primary storage. Only <see cref="Ready"/> snapshots are usable.</summary>
public enum SnapshotState
{
    /// <summary>Recorded before the driver was asked to make it (phase one of a create).</summary>
    Creating,
    /// <summary>Exists on the array and may be reverted to, cloned, copied or deleted.</summary>
    Ready,
    /// <summary>A revert of its volume to this snapshot is running.</summary>
    Reverting,
    /// <summary>A delete is running.</summary>
    Deleting,
    /// <summary>An operation failed; <see cref="Snapshot.ErrorMessage"/> says why.</summary>
    Error,
}

/// <summary>Lifecycle of a volume.</summary>
public enum VolumeState
{
    /// <summary>Recorded before the driver was asked to make it.</summary>
    Creating,
    /// <summary>Exists and is usable.</summary>
    Available,
    /// <summary>Its contents are being replaced (revert, restore).</summary>
    Reverting,
    /// <summary>A delete is running.</summary>
    Deleting,
    /// <summary>An operation failed; <see cref="Volume.ErrorMessage"/> says why.</summary>
    Error,
}
