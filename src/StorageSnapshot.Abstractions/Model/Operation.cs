namespace StorageSnapshot;

/// <summary>What an operation in the journal does.</summary>
public enum OperationKind
{
    /// <summary>Create a volume.</summary>
    CreateVolume,
    /// <summary>Clone a new volume from a snapshot.</summary>
    CloneVolume,
    /// <summary>Delete a volume.</summary>
    DeleteVolume,
    /// <summary>Create a snapshot.</summary>
    CreateSnapshot,
    /// <summary>Revert a volume to a snapshot.</summary>
    RevertSnapshot,
    /// <summary>Delete a snapshot.</summary>
    DeleteSnapshot,
    /// <summary>Copy a snapshot to secondary storage.</summary>
    CopyToSecondary,
    /// <summary>Restore a volume (or a new one) from a secondary copy.</summary>
    RestoreFromCopy,
    /// <summary>Delete a copy from secondary storage.</summary>
    DeleteCopy,
    /// <summary>Delete the chunks no copy references from a secondary storage (Remove-SnapshotCopy -Failed).</summary>
    CollectChunks,
}

/// <summary>Where an operation in the journal stands.</summary>
public enum OperationState
{
    /// <summary>Recorded and holding its volume lock; the driver may be working.</summary>
    Running,
    /// <summary>Finished; the target is in its new state.</summary>
    Succeeded,
    /// <summary>Failed; compensation ran and the target shows Error (or its old state).</summary>
    Failed,
    /// <summary>Its process died while it ran: found on open, waiting for repair.</summary>
    NeedsRecovery,
    /// <summary>Repair finished what a dead process left.</summary>
    Recovered,
}

/// <summary>One entry of the operation journal: a change that called a driver, recorded before and after.</summary>
public sealed record Operation
{
    /// <summary>Journal id (sortable by start time).</summary>
    public required string Id { get; init; }

    /// <summary>What it does.</summary>
    public OperationKind Kind { get; init; }

    /// <summary>Where it stands.</summary>
    public OperationState State { get; init; }

    /// <summary>Backend name.</summary>
    public required string Backend { get; init; }

    /// <summary>Name of the volume whose lock it held.</summary>
    public string? Volume { get; init; }

    /// <summary>"Volume", "Snapshot" or "Copy".</summary>
    public string? TargetType { get; init; }

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

    /// <summary>Facts recovery needs (driver references, temporary names, bytes done).</summary>
    public IReadOnlyDictionary<string, string> Details { get; init; } =
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
}

/// <summary>An audit and usage record: what happened to what, when, how many bytes.</summary>
public sealed record StorageEvent
{
    /// <summary>Sequence number (assigned by the inventory).</summary>
    public long Sequence { get; init; }

    /// <summary>When (UTC).</summary>
    public DateTime TimeUtc { get; init; }

    /// <summary>Dotted event name, for example "snapshot.created".</summary>
    public required string Kind { get; init; }

    /// <summary>Backend name.</summary>
    public string? Backend { get; init; }

    /// <summary>Volume name.</summary>
    public string? Volume { get; init; }

    /// <summary>"Backend", "Volume", "Snapshot", "Copy".</summary>
    public string? TargetType { get; init; }

    /// <summary>Inventory id (or name, for backends) of the target.</summary>
    public string? TargetId { get; init; }

    /// <summary>Bytes involved (size of the snapshot, bytes copied), when it applies.</summary>
    public long? Bytes { get; init; }

    /// <summary>Operation that caused it, if any.</summary>
    public string? OperationId { get; init; }

    /// <summary>Human-readable sentence.</summary>
    public string? Message { get; init; }
}
