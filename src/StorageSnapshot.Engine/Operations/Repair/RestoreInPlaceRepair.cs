using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Inventory;

namespace StorageSnapshot.Engine.Operations.Repair;

/// <summary>
/// Restore-StorageSnapshot -FromCopy, decided from the facts the operation journaled in order:
/// <list type="table">
/// <item><term>dataRestored</term><description>forward: the copy is written and flushed; the safety snapshot is deleted.</description></item>
/// <item><term>revertedToSafetySnapshot</term><description>back, already done: the old data is back; the safety snapshot is deleted.</description></item>
/// <item><term>safetySnapshotReference</term><description>back: the volume may be half-overwritten; it is reverted to the safety
/// snapshot, that is journaled, then the safety snapshot is deleted.</description></item>
/// <item><term>only the key</term><description>back: nothing was written (nothing is, before the reference is journaled); a safety
/// snapshot the driver may have made is deleted.</description></item>
/// </list>
/// Each step can be run again: a repair killed after the revert reverts again (the same bytes), one killed after
/// journaling it only deletes the safety snapshot.
/// </summary>
internal static class RestoreInPlaceRepair
{
    public static async Task<RepairDecision> DecideAsync(RepairScene scene, RestoreFromCopyDetails details, CancellationToken cancellationToken)
    {
        var driver = scene.RequireDriver();
        var volumeId = details.VolumeId ?? scene.Entry.TargetId ?? "";
        var volume = await scene.Inventory.GetVolumeAsync(volumeId, cancellationToken).ConfigureAwait(false);
        var volumeObject = RepairObjects.Volume(volume, details.VolumeReference);
        var safety = volumeObject is null || details.SafetySnapshotKey is null
            ? null
            : await driver.FindSnapshotAsync(volumeObject, details.SafetySnapshotKey, cancellationToken).ConfigureAwait(false);
        var volumeName = volume is null ? $"volume {volumeId}" : TargetNames.Volume(volume);
        Task DeleteSafetyAsync(CancellationToken token) => safety is null ? Task.CompletedTask : driver.DeleteSnapshotAsync(safety, token);
        var andSafety = safety is null ? "" : $" and delete its safety snapshot {safety.Reference}";
        Func<IInventoryTransaction, CancellationToken, Task> available = (transaction, token) => SettleAvailableAsync(transaction, volumeId, token);

        if (details.DataRestored)
        {
            return new RepairDecision(RecoveryDirection.RolledForward, "the journal records the copy as written over the volume and flushed",
                $"record {volumeName} as Available with the restored data{andSafety}")
            { OnStorageAsync = DeleteSafetyAsync, SettleAsync = available };
        }
        if (details.RevertedToSafetySnapshot)
        {
            return new RepairDecision(RecoveryDirection.RolledBack, "the journal records the volume as already put back from its safety snapshot",
                $"record {volumeName} as Available with its data from before the restore{andSafety}")
            { OnStorageAsync = DeleteSafetyAsync, SettleAsync = available };
        }
        if (details.SafetySnapshotReference is null)
        {
            return new RepairDecision(RecoveryDirection.RolledBack, "the safety snapshot was not yet journaled, and nothing is written over the volume before it is",
                $"record {volumeName} as Available with its data from before the restore{andSafety}")
            { OnStorageAsync = DeleteSafetyAsync, SettleAsync = available };
        }
        if (safety is null || volumeObject is null)
        {
            throw EngineErrors.InvalidState(
                $"Operation {scene.Entry.Id} cannot be repaired: the copy may have been written over part of {volumeName}, and its safety snapshot " +
                $"{details.SafetySnapshotReference} is gone from the storage, so the data from before the restore cannot be put back. " +
                "Restore the copy again, or revert the volume to a snapshot.", scene.Entry);
        }

        return new RepairDecision(RecoveryDirection.RolledBack,
            "the copy may have been written over part of the volume (the journal does not record it as complete) and the safety snapshot is on the storage",
            $"revert {volumeName} to its safety snapshot {safety.Reference}, delete that snapshot and record the volume as Available with its data from before the restore")
        {
            OnStorageAsync = async token =>
            {
                await driver.RevertVolumeAsync(volumeObject, safety, token).ConfigureAwait(false);
                // Journaled before the safety snapshot goes, so that a repair killed now never looks for it again.
                await scene.RecordDetailsAsync(details with { RevertedToSafetySnapshot = true }, token).ConfigureAwait(false);
                await driver.DeleteSnapshotAsync(safety, token).ConfigureAwait(false);
            },
            SettleAsync = available,
        };
    }

    private static async Task SettleAvailableAsync(IInventoryTransaction transaction, string volumeId, CancellationToken cancellationToken)
    {
        var current = await transaction.GetVolumeAsync(volumeId, cancellationToken).ConfigureAwait(false);
        if (current is { State: VolumeState.Reverting or VolumeState.Error })
            await transaction.UpdateVolumeAsync(current with { State = VolumeState.Available, ErrorMessage = null }, cancellationToken).ConfigureAwait(false);
    }
}
