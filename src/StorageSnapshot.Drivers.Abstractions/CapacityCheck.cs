namespace StorageSnapshot.Drivers;

/// <summary>
/// What a backend can tell, before anything is made, about holding a new volume of a given size
/// (<see cref="IDriverBackend.CheckNewVolumeAsync"/>): <see cref="Problems"/> refuse it (one sentence each: a size
/// above the largest file or LUN the device takes), <see cref="Warnings"/> let it go ahead but are worth saying (a
/// thin-provisioned volume larger than the free space).
/// </summary>
public sealed record CapacityCheck(IReadOnlyList<string> Problems, IReadOnlyList<string> Warnings)
{
    /// <summary>Nothing known against it (what a driver that cannot tell returns).</summary>
    public static CapacityCheck None { get; } = new(Array.Empty<string>(), Array.Empty<string>());
}
