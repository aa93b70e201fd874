using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands.Parameters;

/// <summary>The BySnapshot set of Test- and Remove-SnapshotCopy: -Snapshot (an object or a name) with -Destination and -Volume.</summary>
internal static class CopyBySnapshot
{
    public const string SetName = "BySnapshot";

    public static CopyFilter Filter(object? snapshot, object? destination, object? volume)
    {
        var known = NamedObject.ObjectOf<Snapshot>(snapshot);
        var volumeObject = NamedObject.ObjectOf<Volume>(volume);
        return new CopyFilter
        {
            SnapshotIds = known is null ? null : [known.Id],
            SnapshotNames = known is null ? [NamedObject.NameOf<Snapshot>(snapshot, s => s.Name)!] : null,
            Destinations = destination is null ? null : [NamedObject.NameOf<SecondaryStorage>(destination, s => s.Name)!],
            VolumeIds = volumeObject is null ? null : [volumeObject.Id],
            Volumes = volume is null || volumeObject is not null ? null : [NamedObject.NameOf<Volume>(volume, v => v.Name)!],
        };
    }
}
