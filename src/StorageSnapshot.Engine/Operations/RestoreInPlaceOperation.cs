using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Naming;
using StorageSnapshot.Engine.Secondary.Restore;

namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// Restore-StorageSnapshot -FromCopy: writes a copy over its own volume, guarded by a safety snapshot that the
/// inventory never lists. Phase one marks the volume Reverting (it never reads Available while half-overwritten)
/// and journals the safety snapshot's key before it is made; the reference is journaled as soon as the driver
/// returns it, "dataRestored" once the copy is written and flushed, and "revertedToSafetySnapshot" once a failed
/// restore has been undone, so a repair after a crash can tell "revert to the safety snapshot" from "the data is
/// complete" and from "the old data is back". Failure (corrupt copy, cancellation, I/O):
/// compensation reverts the volume to the safety snapshot and the volume goes back to Available; if that revert
/// fails the volume is left in Error and the safety snapshot is kept for repair. The safety snapshot is deleted
/// at the end either way.
/// </summary>
internal sealed class RestoreInPlaceOperation : TwoPhaseOperation<Volume>
{
    private readonly RestoreSource source;
    private readonly Volume volume;
    private readonly IOperationOutput output;
    private readonly string safetyKey = Ids.New();
    private DriverObject? safety;
    private bool dataRestored;
    private bool safetyLeft;
    private bool revertedToSafety;

    public RestoreInPlaceOperation(RestoreSource source, Volume volume, IOperationOutput output)
        : base(volume.Backend, volume.Name)
    {
        this.source = source;
        this.volume = volume;
        this.output = output;
    }

    public override OperationKind Kind => OperationKind.RestoreFromCopy;
    public override TargetKind TargetKind => TargetKind.Volume;
    public override string TargetId => volume.Id;
    public override string TargetDescription => TargetNames.Volume(volume);
    public override object TargetObject => volume;
    public override string Verb => $"restore {source.Description} over the volume";
    public override DriverCapabilities RequiredCapability => DriverCapabilities.WriteVolume | DriverCapabilities.Snapshot | DriverCapabilities.Revert;

    // A stopped restore put the volume back as it was (the safety snapshot); nothing to resume but the restore itself.
    public override string? AfterFailure => $"{TargetNames.Capitalize(TargetNames.Volume(volume))} was put back as it was before the restore (its safety snapshot).";

    public override (string Words, ErrorHint Hint)? HowToResume =>
        ($"Restore {TargetNames.Volume(volume)} from {source.Description} again.",
            ErrorHint.RerunRestoreInPlace(volume.Name, volume.Backend, source.Copy.Id, source.Copy.Snapshot ?? source.Copy.SnapshotId, source.Storage.Name));

    public override string? Destination => source.Storage.Name;

    public override OperationDetails Details => source.Details(RestoreMode.InPlace) with
    {
        VolumeId = volume.Id,
        VolumeReference = volume.DriverReference,
        SafetySnapshotKey = safetyKey,
        SafetySnapshotReference = safety?.Reference,
        SafetySnapshotLocation = safety?.Location,
        DataRestored = dataRestored,
        RevertedToSafetySnapshot = revertedToSafety,
        SafetySnapshotLeft = safetyLeft,
    };

    public override async Task<PhaseOneOutcome<Volume>> PrepareAsync(IInventoryTransaction transaction, IOperationOutput output, CancellationToken cancellationToken)
    {
        await source.RecheckAsync(transaction, cancellationToken).ConfigureAwait(false);
        var current = await transaction.GetVolumeAsync(volume.Id, cancellationToken).ConfigureAwait(false)
                      ?? throw EngineErrors.VolumeNotFound($"with id '{volume.Id}'", volume.Id);
        if (current.State != VolumeState.Available)
            throw EngineErrors.InvalidState($"Cannot restore {TargetNames.Volume(current)}: it is {current.State}, not Available.", current);
        await transaction.UpdateVolumeAsync(current with { State = VolumeState.Reverting }, cancellationToken).ConfigureAwait(false);
        return PhaseOneOutcome<Volume>.Continue;
    }

    public override async Task ExecuteAsync(IDriverBackend driver, CancellationToken cancellationToken)
    {
        var (store, manifest) = await source.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (store.ConfigureAwait(false))
        {
            var target = DriverObjects.Of(volume);
            safety = await driver.CreateSnapshotAsync(target, safetyKey, cancellationToken).ConfigureAwait(false);
            await RecordDetailsAsync(cancellationToken).ConfigureAwait(false);
            output.WriteVerbose($"Safety snapshot {safety.Reference} taken before restoring {source.Description} over {TargetNames.Volume(volume)}.");

            var writer = await driver.OpenVolumeWriterAsync(target, cancellationToken).ConfigureAwait(false);
            await using (writer.ConfigureAwait(false))
            {
                await new CopyRestorer(store).OverwriteAsync(manifest, writer, output, cancellationToken).ConfigureAwait(false);
            }
        }

        dataRestored = true;
        try
        {
            await RecordDetailsAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch
        {
            dataRestored = false; // not journaled as complete: compensation reverts, so journal and data agree
            throw;
        }
        await DeleteSafetySnapshotAsync(driver).ConfigureAwait(false);
    }

    public override async Task<(Volume Result, string Message, long? Bytes)> CompleteAsync(IInventoryTransaction transaction, string operationId, CancellationToken cancellationToken)
    {
        var current = await transaction.GetVolumeAsync(volume.Id, cancellationToken).ConfigureAwait(false) ?? volume;
        var restored = current with { State = VolumeState.Available, ErrorMessage = null };
        await transaction.UpdateVolumeAsync(restored, cancellationToken).ConfigureAwait(false);
        restored = await transaction.GetVolumeAsync(volume.Id, cancellationToken).ConfigureAwait(false) ?? restored;
        return (restored, $"Restored {TargetNames.Volume(restored)} from {source.Description}.", source.Copy.SizeBytes);
    }

    public override async Task CompensateAsync(IDriverBackend driver, CancellationToken cancellationToken)
    {
        if (safety is null)
        {
            // Nothing was written before the safety snapshot existed; the driver may still have made it.
            var halfMade = await driver.FindSnapshotAsync(DriverObjects.Of(volume), safetyKey, cancellationToken).ConfigureAwait(false);
            if (halfMade is not null) await driver.DeleteSnapshotAsync(halfMade, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (!dataRestored)
        {
            output.WriteWarning($"Restoring {source.Description} failed; reverting {TargetNames.Volume(volume)} to the safety snapshot taken before it.");
            // A failed revert throws: the safety snapshot stays (named in the journal) for the repair.
            await driver.RevertVolumeAsync(DriverObjects.Of(volume), safety, cancellationToken).ConfigureAwait(false);
            // Journaled before the safety snapshot goes: a process that dies now leaves an entry saying the volume
            // holds its old data again, not one that names a deleted snapshot to revert to (found by the fault suite).
            revertedToSafety = true;
            await RecordDetailsAsync(CancellationToken.None).ConfigureAwait(false);
        }
        await DeleteSafetySnapshotAsync(driver).ConfigureAwait(false);
    }

    public override async Task FailAsync(IInventoryTransaction transaction, FailureOutcome failure, CancellationToken cancellationToken)
    {
        var current = await transaction.GetVolumeAsync(volume.Id, cancellationToken).ConfigureAwait(false);
        if (current is null) return;
        // Compensated: the volume holds its data from before the restore again.
        var after = failure.Compensated
            ? current with { State = VolumeState.Available }
            : current with { State = VolumeState.Error, ErrorMessage = failure.Message };
        await transaction.UpdateVolumeAsync(after, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes the safety snapshot; a failure is a warning, not a failed restore (the volume's data is right
    /// either way), and the journal entry keeps naming the snapshot for whoever cleans up — with
    /// "safetySnapshotLeft", so that a repair can tell the entries that left one from those that did not without
    /// asking the storage (the fault suite checks every left one is so marked).
    /// </summary>
    private async Task DeleteSafetySnapshotAsync(IDriverBackend driver)
    {
        if (safety is null) return;
        try
        {
            await driver.DeleteSnapshotAsync(safety, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            output.WriteWarning($"The safety snapshot {safety.Reference} of {TargetNames.Volume(volume)} could not be deleted ({ex.Message}); delete it on the storage.");
            safetyLeft = true;
            try
            {
                await RecordDetailsAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception record) when (record is not OutOfMemoryException)
            {
                output.WriteWarning($"Recording that the safety snapshot was left failed too: {record.Message}");
            }
        }
    }
}
