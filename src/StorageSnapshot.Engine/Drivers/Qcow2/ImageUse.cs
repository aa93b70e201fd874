using StorageSnapshot.Engine.Platform.Linux;

namespace StorageSnapshot.Engine.Drivers.Qcow2;

/// <summary>
/// Refuses to touch an image that qemu has open — a running VM, a qemu-nbd export, a qemu-img at work — by its
/// image locks (bytes 100 to 299, <see cref="FileLocks"/>). Changing an image under a running VM would corrupt
/// it; using a VM's images is out of scope, so this is VolumeBusy with the way out.
/// </summary>
internal static class ImageUse
{
    /// <summary>Throws VolumeBusy naming <paramref name="what"/> when qemu holds a lock on <paramref name="path"/>.</summary>
    public static void RefuseIfInUse(string path, string what, string action)
    {
        if (!FileLocks.IsAnyHeld(path, 100, 200)) return;
        throw new ConflictException(ErrorIds.VolumeBusy,
            $"Cannot {action}: {what} ('{path}') is in use — qemu holds its image lock (a running VM, a qemu-nbd export or another qemu-img). " +
            "Stop the VM or process using it (or take the snapshot from inside the hypervisor), then try again.",
            path, ErrorKind.ResourceBusy);
    }
}
