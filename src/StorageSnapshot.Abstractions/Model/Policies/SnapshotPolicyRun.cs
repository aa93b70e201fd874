namespace StorageSnapshot;

/// <summary>What one run of a snapshot policy did (Invoke-SnapshotPolicy).</summary>
public sealed record SnapshotPolicyRun
{
    /// <summary>The policy.</summary>
    public required string Policy { get; init; }

    /// <summary>The moment the run acted for (UTC): now, or the time asked for.</summary>
    public DateTime AtUtc { get; init; }

    /// <summary>The slot due at that moment (UTC), if the schedules have one.</summary>
    public DateTime? SlotUtc { get; init; }

    /// <summary>Volumes the policy covered in this run.</summary>
    public int Volumes { get; init; }

    /// <summary>
    /// The slot's snapshots this run got: taken by it, or — when another run of the same slot held the volume's lock
    /// first — the one that run took (the client token returns it; nothing is taken twice).
    /// </summary>
    public IReadOnlyList<Snapshot> Taken { get; init; } = Array.Empty<Snapshot>();

    /// <summary>Volumes whose snapshot for the slot existed already, or was being taken by another run: nothing taken.</summary>
    public int AlreadyTaken { get; init; }

    /// <summary>Copies made (or found made) for the slot's snapshots.</summary>
    public IReadOnlyList<SnapshotCopy> Copied { get; init; } = Array.Empty<SnapshotCopy>();

    /// <summary>Slots not taken: the host was down or the run came later than the start window.</summary>
    public IReadOnlyList<DateTime> MissedSlotsUtc { get; init; } = Array.Empty<DateTime>();

    /// <summary>Snapshots retention removed.</summary>
    public int SnapshotsRemoved { get; init; }

    /// <summary>Copies retention removed.</summary>
    public int CopiesRemoved { get; init; }

    /// <summary>Items retention would remove but kept because something depends on them.</summary>
    public int KeptForDependents { get; init; }

    /// <summary>Errors written (one per failing volume or item); the run went on after each.</summary>
    public int Failures { get; init; }
}
