namespace StorageSnapshot;

/// <summary>What happened, in an event of the audit and usage log.</summary>
public enum EventKind
{
    /// <summary>A backend was registered.</summary>
    BackendRegistered,
    /// <summary>A backend's properties (or its maintenance reason) changed.</summary>
    BackendUpdated,
    /// <summary>A backend entered maintenance mode (other changes made with it are in the message).</summary>
    BackendMaintenanceOn,
    /// <summary>A backend left maintenance mode (other changes made with it are in the message).</summary>
    BackendMaintenanceOff,
    /// <summary>A backend was unregistered (its storage was not touched).</summary>
    BackendUnregistered,
    /// <summary>A volume was created.</summary>
    VolumeCreated,
    /// <summary>A volume was cloned from a snapshot.</summary>
    VolumeCloned,
    /// <summary>A volume was restored from a copy (in place or into a new volume).</summary>
    VolumeRestored,
    /// <summary>A volume was deleted.</summary>
    VolumeDeleted,
    /// <summary>A snapshot was created.</summary>
    SnapshotCreated,
    /// <summary>A snapshot's name, description, tags or expiry changed.</summary>
    SnapshotUpdated,
    /// <summary>A volume was reverted to a snapshot (the event's target is the snapshot).</summary>
    SnapshotReverted,
    /// <summary>A snapshot was deleted.</summary>
    SnapshotDeleted,
    /// <summary>A snapshot was copied to secondary storage (the target is the copy).</summary>
    CopyCreated,
    /// <summary>A copy was removed from secondary storage.</summary>
    CopyDeleted,
    /// <summary>A secondary storage was registered.</summary>
    SecondaryStorageRegistered,
    /// <summary>A secondary storage was unregistered (its data was not touched).</summary>
    SecondaryStorageUnregistered,
    /// <summary>Failed copies were forgotten and the chunks no copy references deleted.</summary>
    FailedCopiesRemoved,
    /// <summary>An operation failed (the target and the operation say which; the message says why).</summary>
    OperationFailed,
    /// <summary>An operation was cancelled (Ctrl+C) and cleaned up after.</summary>
    OperationCancelled,
    /// <summary>An operation's process ended while it ran; it waits for repair.</summary>
    OperationNeedsRecovery,
    /// <summary>A snapshot policy was created.</summary>
    PolicyCreated,
    /// <summary>A snapshot policy's definition changed.</summary>
    PolicyUpdated,
    /// <summary>A snapshot policy was removed (what it made was kept).</summary>
    PolicyRemoved,
    /// <summary>A copy was recorded as made by a snapshot policy (its copy retention now decides about it).</summary>
    PolicyCopyRecorded,
    /// <summary>A repair settled an unfinished operation (the message says which way and what it did).</summary>
    OperationRecovered,
    /// <summary>A difference between the inventory and the storage was repaired (the message says which and how).</summary>
    DriftRepaired,
    /// <summary>Copy records were rebuilt from a repository's manifests (the message says how many).</summary>
    CopiesImported,
}

/// <summary>An audit and usage record: what happened to what, when, how many bytes.</summary>
public sealed record StorageEvent
{
    /// <summary>Sequence number (assigned by the inventory).</summary>
    public long Sequence { get; init; }

    /// <summary>When (UTC).</summary>
    public DateTime TimeUtc { get; init; }

    /// <summary>What happened.</summary>
    public EventKind Kind { get; init; }

    /// <summary>Backend name.</summary>
    public string? Backend { get; init; }

    /// <summary>Volume name.</summary>
    public string? Volume { get; init; }

    /// <summary>What kind of object the target is.</summary>
    public TargetKind? TargetKind { get; init; }

    /// <summary>Inventory id (or name, for backends and secondary storages) of the target.</summary>
    public string? TargetId { get; init; }

    /// <summary>Bytes involved (size of the snapshot, bytes copied), when it applies.</summary>
    public long? Bytes { get; init; }

    /// <summary>Operation that caused it, if any.</summary>
    public string? OperationId { get; init; }

    /// <summary>Human-readable sentence.</summary>
    public string? Message { get; init; }

    /// <summary>The operating-system user whose process recorded it (null for events recorded before this was kept).</summary>
    public string? User { get; init; }

    /// <summary>The host whose process recorded it (null for events recorded before this was kept).</summary>
    public string? Host { get; init; }
}
