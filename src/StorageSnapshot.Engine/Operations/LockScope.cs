namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// The host lock (<see cref="VolumeLock"/>) a change holds while it runs, and what it is called in messages: a
/// volume's for every operation on primary storage (and Set-StorageSnapshot), a secondary storage's for an
/// operation on secondary storage alone. A journal entry records which one its process held — its volume, or
/// its destination when it has no volume — so that <see cref="DeadOperationDetector"/> can test that lock.
/// </summary>
internal sealed record LockScope
{
    private LockScope(string key, string description, string? backend, string? volume, string? destination)
    {
        Key = key;
        Description = description;
        Backend = backend;
        Volume = volume;
        Destination = destination;
    }

    /// <summary>The lock's key (<see cref="VolumeLock.KeyFor"/>, <see cref="VolumeLock.KeyForSecondaryStorage"/>).</summary>
    public string Key { get; }

    /// <summary>"volume 'db01' on backend 'lab'", "secondary storage 'nfs1'".</summary>
    public string Description { get; }

    /// <summary>The backend of a volume's lock.</summary>
    public string? Backend { get; }

    /// <summary>The volume of a volume's lock.</summary>
    public string? Volume { get; }

    /// <summary>The secondary storage of a secondary storage's lock.</summary>
    public string? Destination { get; }

    /// <summary>The lock of a volume.</summary>
    public static LockScope OfVolume(string backend, string volume) =>
        new(VolumeLock.KeyFor(backend, volume), TargetNames.Volume(backend, volume), backend, volume, null);

    /// <summary>The lock of a secondary storage.</summary>
    public static LockScope OfSecondaryStorage(string name) =>
        new(VolumeLock.KeyForSecondaryStorage(name), $"secondary storage '{name}'", null, null, name);

    /// <summary>The lock the process of <paramref name="entry"/> held while it ran; null for an entry that held none.</summary>
    public static LockScope? Of(Operation entry) =>
        entry is { Backend: { } backend, Volume: { } volume } ? OfVolume(backend, volume)
        : entry.Destination is { } destination ? OfSecondaryStorage(destination)
        : null;

    /// <summary>True when <paramref name="entry"/>'s process held this lock.</summary>
    public bool IsHeldBy(Operation entry) => Of(entry)?.Key == Key;
}
