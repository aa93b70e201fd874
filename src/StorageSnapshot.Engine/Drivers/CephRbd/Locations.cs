namespace StorageSnapshot.Engine.Drivers.CephRbd;

/// <summary>
/// How the driver names RBD objects. A volume's Reference is its image name and a snapshot's
/// <c>image@snapshot</c>, both relative to the backend's pool and namespace (properties that cannot change while
/// the backend has volumes); Locations are the URIs users and hypervisors see: <c>rbd:pool[/namespace]/image</c>
/// and <c>rbd:pool[/namespace]/image@snapshot</c>, as `rbd` and QEMU spell them (QEMU: <c>rbd:pool/image@snap</c>).
/// </summary>
internal static class Locations
{
    /// <summary>The backend's data location: <c>rbd:pool</c> or <c>rbd:pool/namespace</c>.</summary>
    public static string Of(string pool, string? nameSpace) => string.IsNullOrEmpty(nameSpace) ? $"rbd:{pool}" : $"rbd:{pool}/{nameSpace}";

    public static string Volume(CephRbdSettings settings, string image) => $"{settings.LocationPrefix}/{image}";

    public static string Snapshot(CephRbdSettings settings, string image, string snapshot) => $"{settings.LocationPrefix}/{image}@{snapshot}";

    public static string SnapshotReference(string image, string snapshot) => $"{image}@{snapshot}";

    /// <summary>The image of a volume reference (its image name), refusing what no volume of this driver could be.</summary>
    public static string ImageOf(DriverObject volume)
    {
        var reference = volume.Reference;
        if (reference.Length == 0 || reference.Contains('@') || reference.Contains('/'))
            throw new ArgumentException($"'{reference}' is not a ceph-rbd volume reference (an image name).", nameof(volume));
        return reference;
    }

    /// <summary>The image and snapshot of a snapshot reference (<c>image@snapshot</c>).</summary>
    public static (string Image, string Snapshot) SnapshotOf(DriverObject snapshot)
    {
        var reference = snapshot.Reference;
        var at = reference.IndexOf('@');
        if (at <= 0 || at == reference.Length - 1 || reference.IndexOf('@', at + 1) >= 0 || reference.Contains('/'))
            throw new ArgumentException($"'{reference}' is not a ceph-rbd snapshot reference (image@snapshot).", nameof(snapshot));
        return (reference[..at], reference[(at + 1)..]);
    }
}
