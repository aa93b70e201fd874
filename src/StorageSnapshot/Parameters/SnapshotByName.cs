using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands.Parameters;

/// <summary>The ByName set of Restore-, Remove- and Set-StorageSnapshot: -Name with -Volume and -Backend (objects or names).</summary>
internal static class SnapshotByName
{
    /// <summary>
    /// The snapshot named <paramref name="name"/>: on the given volume (by id when a volume object was given), or
    /// on the only volume that has one by that name (the engine asks for -Volume when several do).
    /// </summary>
    public static SnapshotSelector Selector(string name, object? volume, object? backend)
    {
        var backendName = NamedObject.NameOf<Backend>(backend, b => b.Name);
        if (NamedObject.ObjectOf<Volume>(volume) is { } known)
            return new SnapshotSelector(Backend: known.Backend, Volume: known.Name, Name: name);
        return new SnapshotSelector(Backend: backendName, Volume: NamedObject.NameOf<Volume>(volume, v => v.Name), Name: name);
    }
}
