using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Inventory;

namespace StorageSnapshot.Engine.Operations.Repair;

/// <summary>The repair rules of the volume operations: create, clone, delete, and restore into a new volume.</summary>
internal static class VolumeRepairs
{
    /// <summary>
    /// New-StorageVolume (empty, or -FromSnapshot): the driver makes a volume whole or not at all (under a temporary
    /// name, renamed at the end). Listed under the reserved name → forward (Available): nothing is deleted, so a
    /// volume of that name is never lost. Not listed → back (the reserved row is forgotten).
    /// </summary>
    public static async Task<RepairDecision> CreateAsync(RepairScene scene, string volumeName, CancellationToken cancellationToken)
    {
        var driver = scene.RequireDriver();
        var volumeId = scene.Entry.TargetId ?? "";
        var volume = await scene.Inventory.GetVolumeAsync(volumeId, cancellationToken).ConfigureAwait(false);
        var made = await driver.FindVolumeAsync(volumeName, cancellationToken).ConfigureAwait(false);
        var what = scene.Entry.Kind == OperationKind.CloneVolume ? "clone" : "volume";

        if (made is not null && volume is { State: VolumeState.Creating })
        {
            return new RepairDecision(RecoveryDirection.RolledForward,
                $"the driver lists the {what} '{volumeName}' it made ({made.Location})",
                $"record {TargetNames.Volume(volume)} as Available")
            {
                SettleAsync = async (transaction, token) =>
                {
                    var current = await transaction.GetVolumeAsync(volumeId, token).ConfigureAwait(false);
                    if (current is not { State: VolumeState.Creating }) return;
                    await transaction.UpdateVolumeAsync(current with
                    {
                        State = VolumeState.Available,
                        DriverReference = made.Reference,
                        Location = made.Location,
                        SizeBytes = made.SizeBytes > 0 ? made.SizeBytes : current.SizeBytes,
                        ErrorMessage = null,
                    }, token).ConfigureAwait(false);
                },
            };
        }

        return new RepairDecision(RecoveryDirection.RolledBack,
            made is null ? $"the driver lists no volume named '{volumeName}': the {what} was never made" : $"the inventory no longer reserves the name '{volumeName}'",
            made is null ? $"forget the reserved volume '{volumeName}'" : $"leave the listed volume '{volumeName}' alone (it is not this operation's to delete)")
        {
            SettleAsync = (transaction, token) => ForgetIfCreatingAsync(transaction, volumeId, token),
        };
    }

    /// <summary>Remove-StorageVolume: always forward — the user asked for it gone. Whatever is listed under its name is deleted, then the row.</summary>
    public static async Task<RepairDecision> DeleteAsync(RepairScene scene, DeleteVolumeDetails details, CancellationToken cancellationToken)
    {
        var driver = scene.RequireDriver();
        var volumeId = scene.Entry.TargetId ?? "";
        var left = await driver.FindVolumeAsync(details.VolumeName, cancellationToken).ConfigureAwait(false);
        return new RepairDecision(RecoveryDirection.RolledForward,
            left is null ? "the driver no longer lists the volume: the delete had reached the storage" : "the volume is still on the storage and its delete was asked for",
            left is null ? $"finish deleting volume '{details.VolumeName}' in the inventory" : $"delete volume '{details.VolumeName}' from the storage and the inventory")
        {
            OnStorageAsync = token => left is null ? Task.CompletedTask : driver.DeleteVolumeAsync(left, token),
            SettleAsync = async (transaction, token) =>
            {
                if (await transaction.GetVolumeAsync(volumeId, token).ConfigureAwait(false) is not null)
                    await transaction.DeleteVolumeAsync(volumeId, token).ConfigureAwait(false);
            },
        };
    }

    /// <summary>
    /// New-StorageVolume -FromCopy: the journal never says the copy was written completely into the new volume (phase
    /// two does that), so always back: whatever is listed under the reserved name is half-written and deleted, and
    /// the row forgotten. Restoring again starts afresh.
    /// </summary>
    public static async Task<RepairDecision> RestoreIntoNewVolumeAsync(RepairScene scene, RestoreFromCopyDetails details, CancellationToken cancellationToken)
    {
        var driver = scene.RequireDriver();
        var volumeId = scene.Entry.TargetId ?? "";
        var name = details.VolumeName ?? "";
        var volume = await scene.Inventory.GetVolumeAsync(volumeId, cancellationToken).ConfigureAwait(false);
        DriverObject? left = volume is { State: VolumeState.Creating } ? await driver.FindVolumeAsync(name, cancellationToken).ConfigureAwait(false) : null;
        return new RepairDecision(RecoveryDirection.RolledBack,
            $"its process ended before the copy was recorded as completely written into the new volume '{name}'",
            left is null ? $"forget the reserved volume '{name}' (the driver lists none)" : $"delete the half-written volume '{name}' ({left.Location}) and forget it")
        {
            OnStorageAsync = token => left is null ? Task.CompletedTask : driver.DeleteVolumeAsync(left, token),
            SettleAsync = (transaction, token) => ForgetIfCreatingAsync(transaction, volumeId, token),
        };
    }

    private static async Task ForgetIfCreatingAsync(IInventoryTransaction transaction, string volumeId, CancellationToken cancellationToken)
    {
        var current = await transaction.GetVolumeAsync(volumeId, cancellationToken).ConfigureAwait(false);
        if (current is { State: VolumeState.Creating }) await transaction.DeleteVolumeAsync(volumeId, cancellationToken).ConfigureAwait(false);
    }
}
