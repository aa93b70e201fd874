using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Inventory;

namespace StorageSnapshot.Engine.Operations.Repair;

/// <summary>The repair rules of the snapshot operations: create, revert, delete.</summary>
internal static class SnapshotRepairs
{
    /// <summary>
    /// New-StorageSnapshot: the driver names its snapshot after the key, and makes it whole or not at all. Found →
    /// forward (Ready; the volume's head moves to it only if nothing was snapshotted or reverted since). Not found →
    /// back (the row is forgotten: no snapshot exists).
    /// </summary>
    public static async Task<RepairDecision> CreateAsync(RepairScene scene, CreateSnapshotDetails details, CancellationToken cancellationToken)
    {
        var driver = scene.RequireDriver();
        var snapshot = await scene.Inventory.GetSnapshotAsync(details.SnapshotKey, cancellationToken).ConfigureAwait(false);
        var volume = await scene.Inventory.GetVolumeAsync(details.VolumeId, cancellationToken).ConfigureAwait(false);
        var volumeObject = RepairObjects.Volume(volume, details.VolumeReference);
        var made = volumeObject is null ? null : await driver.FindSnapshotAsync(volumeObject, details.SnapshotKey, cancellationToken).ConfigureAwait(false);
        var name = snapshot is null ? details.SnapshotKey : $"'{snapshot.Name}'";

        if (made is not null && snapshot is { State: SnapshotState.Creating })
        {
            return new RepairDecision(RecoveryDirection.RolledForward,
                $"the driver holds the snapshot it took under key {details.SnapshotKey} ({made.Reference})",
                $"record snapshot {name} as Ready")
            {
                SettleAsync = async (transaction, token) =>
                {
                    var current = await transaction.GetSnapshotAsync(details.SnapshotKey, token).ConfigureAwait(false);
                    if (current is not { State: SnapshotState.Creating }) return;
                    await transaction.UpdateSnapshotAsync(current with
                    {
                        State = SnapshotState.Ready,
                        DriverReference = made.Reference,
                        Location = made.Location,
                        SizeBytes = made.SizeBytes > 0 ? made.SizeBytes : current.SizeBytes,
                        Details = made.Details,
                        ErrorMessage = null,
                    }, token).ConfigureAwait(false);
                    // The head moves only if the volume's line did not move on since (a later snapshot or revert).
                    var currentVolume = await transaction.GetVolumeAsync(details.VolumeId, token).ConfigureAwait(false);
                    if (currentVolume is not null && currentVolume.HeadSnapshotId == current.ParentId)
                        await transaction.UpdateVolumeAsync(currentVolume with { HeadSnapshotId = current.Id }, token).ConfigureAwait(false);
                },
            };
        }

        if (made is not null)
        {
            return new RepairDecision(RecoveryDirection.RolledBack,
                $"the driver holds a snapshot under key {details.SnapshotKey} that the inventory does not record as being made",
                $"delete that snapshot ({made.Reference})")
            {
                OnStorageAsync = token => driver.DeleteSnapshotAsync(made, token),
                SettleAsync = static (_, _) => Task.CompletedTask,
            };
        }

        return new RepairDecision(RecoveryDirection.RolledBack,
            $"the driver holds no snapshot under key {details.SnapshotKey}: it was never taken",
            snapshot is { State: SnapshotState.Creating } ? $"forget snapshot {name}, which does not exist" : "nothing is left to undo")
        {
            SettleAsync = (transaction, token) => ForgetIfAsync(transaction, details.SnapshotKey, SnapshotState.Creating, token),
        };
    }

    /// <summary>
    /// Restore-StorageSnapshot: a revert is atomic, so the volume holds its old data or the snapshot's. The snapshot
    /// still on the storage → forward (revert again — the user asked for it — and move the head). Gone → back (the
    /// volume keeps its old head; the snapshot is marked Error).
    /// </summary>
    public static async Task<RepairDecision> RevertAsync(RepairScene scene, RevertSnapshotDetails details, CancellationToken cancellationToken)
    {
        var driver = scene.RequireDriver();
        var snapshotId = scene.Entry.TargetId ?? "";
        var snapshot = await scene.Inventory.GetSnapshotAsync(snapshotId, cancellationToken).ConfigureAwait(false);
        var volume = await scene.Inventory.GetVolumeAsync(details.VolumeId, cancellationToken).ConfigureAwait(false);
        var volumeObject = RepairObjects.Volume(volume, details.VolumeReference);
        var image = volumeObject is null || snapshot is null ? null : await driver.FindSnapshotAsync(volumeObject, snapshot.Id, cancellationToken).ConfigureAwait(false);

        if (image is not null && volume is not null && snapshot is not null)
        {
            var destroysNewer = driver.Capabilities.HasFlag(DriverCapabilities.RevertDestroysNewerSnapshots);
            return new RepairDecision(RecoveryDirection.RolledForward,
                "the revert may or may not have happened when its process ended (a revert is atomic) and the snapshot is still on the storage",
                $"revert {TargetNames.Volume(volume)} to snapshot '{snapshot.Name}' again and record it (data written since the snapshot is discarded, as the revert asked)")
            {
                OnStorageAsync = token => driver.RevertVolumeAsync(volumeObject!, image, token),
                SettleAsync = async (transaction, token) =>
                {
                    if (destroysNewer)
                    {
                        var all = await transaction.ListSnapshotsAsync(new SnapshotQuery { VolumeIds = new[] { volume.Id } }, token).ConfigureAwait(false);
                        foreach (var newer in all.Where(s => ImpactPlanner.IsNewer(s, snapshot)))
                            await transaction.DeleteSnapshotAsync(newer.Id, token).ConfigureAwait(false);
                    }
                    await SettleRevertAsync(transaction, snapshot.Id, SnapshotState.Ready, null, volume.Id, snapshot.Id, token).ConfigureAwait(false);
                },
            };
        }

        var why = snapshot is null ? $"the snapshot {snapshotId} is no longer recorded" : $"snapshot '{snapshot.Name}' is gone from the storage";
        return new RepairDecision(RecoveryDirection.RolledBack, why,
            "leave the volume on its previous head and mark the snapshot Error (a revert to a snapshot that is gone cannot have happened)")
        {
            SettleAsync = (transaction, token) => SettleRevertAsync(transaction, snapshotId, SnapshotState.Error,
                "Its image is gone from the storage (found by a repair).", details.VolumeId, details.PreviousHeadSnapshotId, token),
        };
    }

    private static async Task SettleRevertAsync(IInventoryTransaction transaction, string snapshotId, SnapshotState snapshotState, string? snapshotError,
        string volumeId, string? head, CancellationToken cancellationToken)
    {
        var snapshot = await transaction.GetSnapshotAsync(snapshotId, cancellationToken).ConfigureAwait(false);
        if (snapshot is { State: SnapshotState.Reverting })
            await transaction.UpdateSnapshotAsync(snapshot with { State = snapshotState, ErrorMessage = snapshotError }, cancellationToken).ConfigureAwait(false);
        var volume = await transaction.GetVolumeAsync(volumeId, cancellationToken).ConfigureAwait(false);
        if (volume is { State: VolumeState.Reverting })
            await transaction.UpdateVolumeAsync(volume with { State = VolumeState.Available, HeadSnapshotId = head, ErrorMessage = null }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Remove-StorageSnapshot: always forward — the user asked for it gone, and the driver may have deleted part of
    /// it. Whatever is left under its key is deleted, then its children are re-parented and the row removed.
    /// </summary>
    public static async Task<RepairDecision> DeleteAsync(RepairScene scene, DeleteSnapshotDetails details, CancellationToken cancellationToken)
    {
        var driver = scene.RequireDriver();
        var snapshot = await scene.Inventory.GetSnapshotAsync(details.SnapshotKey, cancellationToken).ConfigureAwait(false);
        var volume = await scene.Inventory.GetVolumeAsync(details.VolumeId, cancellationToken).ConfigureAwait(false);
        var volumeObject = RepairObjects.Volume(volume, null);
        var left = volumeObject is null ? null : await driver.FindSnapshotAsync(volumeObject, details.SnapshotKey, cancellationToken).ConfigureAwait(false);
        var name = snapshot is null ? details.SnapshotKey : $"'{snapshot.Name}'";
        return new RepairDecision(RecoveryDirection.RolledForward,
            left is null ? "the driver no longer holds the snapshot: the delete had reached the storage" : "the snapshot is still on the storage and its delete was asked for",
            left is null ? $"finish deleting snapshot {name} in the inventory" : $"delete snapshot {name} from the storage and the inventory")
        {
            OnStorageAsync = token => left is null ? Task.CompletedTask : driver.DeleteSnapshotAsync(left, token),
            SettleAsync = async (transaction, token) =>
            {
                var current = await transaction.GetSnapshotAsync(details.SnapshotKey, token).ConfigureAwait(false);
                if (current is null) return;
                var children = await transaction.ListSnapshotsAsync(new SnapshotQuery { ParentId = current.Id }, token).ConfigureAwait(false);
                foreach (var child in children)
                    await transaction.UpdateSnapshotAsync(child with { ParentId = current.ParentId }, token).ConfigureAwait(false);
                var currentVolume = await transaction.GetVolumeAsync(current.VolumeId, token).ConfigureAwait(false);
                if (currentVolume is not null && currentVolume.HeadSnapshotId == current.Id)
                    await transaction.UpdateVolumeAsync(currentVolume with { HeadSnapshotId = current.ParentId }, token).ConfigureAwait(false);
                await transaction.DeleteSnapshotAsync(current.Id, token).ConfigureAwait(false);
            },
        };
    }

    private static async Task ForgetIfAsync(IInventoryTransaction transaction, string snapshotId, SnapshotState state, CancellationToken cancellationToken)
    {
        var current = await transaction.GetSnapshotAsync(snapshotId, cancellationToken).ConfigureAwait(false);
        if (current is not null && current.State == state) await transaction.DeleteSnapshotAsync(snapshotId, cancellationToken).ConfigureAwait(false);
    }
}
