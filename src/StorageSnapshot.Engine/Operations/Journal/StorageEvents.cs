namespace StorageSnapshot.Engine.Operations.Journal;

/// <summary>What an event is about: the target's kind and id, and the backend and volume it lives on.</summary>
internal readonly record struct EventSubject(TargetKind Kind, string Id, string? Backend = null, string? Volume = null)
{
    public static EventSubject OfBackend(string name) => new(TargetKind.Backend, name, name);

    public static EventSubject Of(Volume volume) => new(TargetKind.Volume, volume.Id, volume.Backend, volume.Name);

    public static EventSubject Of(Snapshot snapshot) => new(TargetKind.Snapshot, snapshot.Id, snapshot.Backend, snapshot.Volume);

    public static EventSubject Of(SnapshotCopy copy) => new(TargetKind.Copy, copy.Id, copy.Backend, copy.Volume);

    public static EventSubject OfSecondaryStorage(string name) => new(TargetKind.SecondaryStorage, name);

    public static EventSubject OfPolicy(string name) => new(TargetKind.Policy, name);
}

/// <summary>
/// The one place events are made: for inventory-only changes (<see cref="Of"/>), and for journaled operations
/// from their journal entry (<see cref="Succeeded"/>, <see cref="Failed"/>, <see cref="NeedsRecovery"/>), so that
/// an operation's events always carry its backend, volume, target and id the same way.
/// </summary>
internal static class StorageEvents
{
    /// <summary>An event of an inventory-only change (or of repository maintenance without a journal entry).</summary>
    public static StorageEvent Of(EventKind kind, EventSubject subject, string message, long? bytes = null) => new()
    {
        TimeUtc = DateTime.UtcNow,
        Kind = kind,
        Backend = subject.Backend,
        Volume = subject.Volume,
        TargetKind = subject.Kind,
        TargetId = subject.Id,
        Bytes = bytes,
        Message = message,
    };

    /// <summary>The event of an operation that succeeded: what happened to its target (<see cref="SucceededKind"/>).</summary>
    public static StorageEvent Succeeded(Operation journal, string message, long? bytes) => FromJournal(SucceededKind(journal.Kind), journal, message, bytes);

    /// <summary>The event of an operation that failed or was cancelled.</summary>
    public static StorageEvent Failed(Operation journal, string message, bool cancelled) =>
        FromJournal(cancelled ? EventKind.OperationCancelled : EventKind.OperationFailed, journal, message, null);

    /// <summary>The event of an operation found left running by a process that ended.</summary>
    public static StorageEvent NeedsRecovery(Operation journal) =>
        FromJournal(EventKind.OperationNeedsRecovery, journal,
            $"Operation {journal.Id} ({journal.Kind}) was left running by a process that ended; marked for recovery.", null);

    /// <summary>The event of an unfinished operation a repair settled: which way, and what it did.</summary>
    public static StorageEvent Recovered(Operation journal) =>
        FromJournal(EventKind.OperationRecovered, journal,
            $"Operation {journal.Id} ({journal.Kind}) recovered ({journal.Recovery}): {journal.RecoveryNote}", null);

    /// <summary>What a successful operation of <paramref name="kind"/> did to its target.</summary>
    public static EventKind SucceededKind(OperationKind kind) => kind switch
    {
        OperationKind.CreateVolume => EventKind.VolumeCreated,
        OperationKind.CloneVolume => EventKind.VolumeCloned,
        OperationKind.DeleteVolume => EventKind.VolumeDeleted,
        OperationKind.CreateSnapshot => EventKind.SnapshotCreated,
        OperationKind.RevertSnapshot => EventKind.SnapshotReverted,
        OperationKind.DeleteSnapshot => EventKind.SnapshotDeleted,
        OperationKind.CopyToSecondary => EventKind.CopyCreated,
        OperationKind.RestoreFromCopy => EventKind.VolumeRestored,
        OperationKind.DeleteCopy => EventKind.CopyDeleted,
        OperationKind.CollectChunks => EventKind.FailedCopiesRemoved,
        OperationKind.RepairDrift => EventKind.DriftRepaired,
        OperationKind.ImportCopies => EventKind.CopiesImported,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "No event kind says what this operation does."),
    };

    private static StorageEvent FromJournal(EventKind kind, Operation journal, string message, long? bytes) => new()
    {
        TimeUtc = DateTime.UtcNow,
        Kind = kind,
        Backend = journal.Backend,
        Volume = journal.Volume,
        TargetKind = journal.TargetKind,
        TargetId = journal.TargetId,
        Bytes = bytes,
        OperationId = journal.Id,
        Message = message,
    };
}
