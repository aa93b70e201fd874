using StorageSnapshot.Engine.Drivers;

namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// Finds a volume a failed create or clone may have left, when the driver threw before handing back its
/// handle. The contract has no "find volume by key" (volumes are named by the user, not by an inventory id), so
/// this looks for a listed volume whose reference or location ends in the volume's name — drivers name volumes
/// after it (NameRules keeps names to file-name and URI-safe characters for exactly that). Only the name the
/// failed operation reserved in the inventory is looked for, so no other volume can match.
/// </summary>
internal static class HalfMadeVolumes
{
    public static async Task<DriverObject?> FindAsync(IDriverBackend driver, string volumeName, CancellationToken cancellationToken)
    {
        var listed = await driver.ListVolumesAsync(cancellationToken).ConfigureAwait(false);
        return listed.FirstOrDefault(v => NamesVolume(v.Reference, volumeName) || NamesVolume(v.Location, volumeName));
    }

    private static bool NamesVolume(string handle, string volumeName)
    {
        var last = handle.Split('/', '\\', ':', '@').LastOrDefault(s => s.Length > 0);
        if (last is null) return false;
        var dot = last.LastIndexOf('.');
        var stem = dot > 0 && !string.Equals(last, volumeName, StringComparison.OrdinalIgnoreCase) ? last[..dot] : last;
        return string.Equals(stem, volumeName, StringComparison.OrdinalIgnoreCase);
    }
}
