namespace StorageSnapshot.Engine.Facade;

/// <summary>Which journal entries to list (Get-StorageOperation). Every filter given must match; null means any.</summary>
public sealed record OperationFilter
{
    /// <summary>Entry ids; an id that is not in the journal is an OperationNotFound error.</summary>
    public IReadOnlyCollection<string>? Ids { get; init; }

    public IReadOnlyCollection<OperationState>? States { get; init; }

    public IReadOnlyCollection<OperationKind>? Kinds { get; init; }

    /// <summary>The history of these objects: volumes, snapshots or copies (see <see cref="JournalSubject"/>).</summary>
    public IReadOnlyCollection<JournalSubject>? Targets { get; init; }

    /// <summary>Entries started at or after this time (UTC).</summary>
    public DateTime? SinceUtc { get; init; }

    /// <summary>Only the newest this many (after the other filters), still listed oldest first.</summary>
    public int? Last { get; init; }
}

/// <summary>Which events to list (Get-StorageEvent). Every filter given must match; null means any.</summary>
public sealed record EventFilter
{
    public IReadOnlyCollection<EventKind>? Kinds { get; init; }

    /// <summary>Events about these objects: volumes, snapshots, copies, backends or secondary storages by id or name.</summary>
    public IReadOnlyCollection<JournalSubject>? Targets { get; init; }

    /// <summary>Backend names (case-insensitive).</summary>
    public IReadOnlyCollection<string>? Backends { get; init; }

    /// <summary>Events at or after this time (UTC).</summary>
    public DateTime? SinceUtc { get; init; }

    /// <summary>Only the newest this many (after the other filters), still listed oldest first.</summary>
    public int? Last { get; init; }
}

/// <summary>
/// An object whose history is asked for: its id, and for a volume its backend and name too — operations on a
/// volume's snapshots and copies hold the volume's lock and name it, so they are part of its history.
/// </summary>
public sealed record JournalSubject(string Id, string? Backend = null, string? VolumeName = null)
{
    public static JournalSubject Of(Volume volume) => new(volume.Id, volume.Backend, volume.Name);

    public static JournalSubject Of(Snapshot snapshot) => new(snapshot.Id);

    public static JournalSubject Of(SnapshotCopy copy) => new(copy.Id);

    /// <summary>True when <paramref name="entry"/> acts on the subject or names it in its details.</summary>
    public bool Mentions(Operation entry)
    {
        if (entry.TargetId == Id) return true;
        if (entry.Details is { } details && DetailIds(details).Contains(Id)) return true;
        return VolumeName is not null && string.Equals(entry.Backend, Backend, StringComparison.OrdinalIgnoreCase)
               && string.Equals(entry.Volume, VolumeName, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>True when <paramref name="storageEvent"/> is about the subject (its target, or for a volume, its volume).</summary>
    public bool Mentions(StorageEvent storageEvent)
    {
        if (string.Equals(storageEvent.TargetId, Id, StringComparison.OrdinalIgnoreCase)) return true;
        return VolumeName is not null && string.Equals(storageEvent.Backend, Backend, StringComparison.OrdinalIgnoreCase)
               && string.Equals(storageEvent.Volume, VolumeName, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The inventory ids a details record names (volumes, snapshots, copies).</summary>
    private static IEnumerable<string?> DetailIds(OperationDetails details) => details switch
    {
        CloneVolumeDetails d => [d.SourceSnapshotId],
        CreateSnapshotDetails d => [d.SnapshotKey, d.VolumeId],
        RevertSnapshotDetails d => [d.VolumeId, d.PreviousHeadSnapshotId],
        DeleteSnapshotDetails d => [d.SnapshotKey, d.VolumeId],
        CopyToSecondaryDetails d => [d.SnapshotId],
        RestoreFromCopyDetails d => [d.CopyId, d.CopySnapshotId, d.VolumeId],
        DeleteCopyDetails d => [d.CopyId],
        _ => [],
    };
}
