using StorageSnapshot.Engine.Drivers;

namespace StorageSnapshot.Engine.Operations;

/// <summary>Hands the driver back the handles it gave out, as stored in the inventory.</summary>
internal static class DriverObjects
{
    public static DriverObject Of(Volume volume) => new()
    {
        Reference = volume.DriverReference ?? throw new InvalidOperationException($"{TargetNames.Volume(volume)} has no driver reference."),
        Location = volume.Location ?? string.Empty,
        SizeBytes = volume.SizeBytes,
    };

    public static DriverObject Of(Snapshot snapshot) => new()
    {
        Reference = snapshot.DriverReference ?? throw new InvalidOperationException($"{TargetNames.Snapshot(snapshot)} has no driver reference."),
        Location = snapshot.Location ?? string.Empty,
        SizeBytes = snapshot.SizeBytes,
        Details = snapshot.Details,
    };
}
