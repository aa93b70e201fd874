using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Secondary.Restore;

namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// New-StorageVolume -FromCopy: one journaled operation (RestoreFromCopy) from the reserved name to the filled
/// volume. Phase one inserts the volume Creating, and it stays Creating while the driver creates it and the copy
/// is written and flushed, so a process killed mid-write leaves a Creating volume and a Running entry (found dead
/// on the next open), never an Available half-restore. A failure deletes whatever was made and forgets the row:
/// a failed restore leaves no volume behind. When the delete itself fails the row stays in Error for repair.
/// A volume of that name already on the storage but not in the inventory is refused and left untouched, as
/// New-StorageVolume does (see <see cref="CreateVolumeOperation"/>).
/// </summary>
internal sealed class RestoreIntoNewVolumeOperation : TwoPhaseOperation<Volume>
{
    private readonly RestoreSource source;
    private readonly IOperationOutput output;
    private Volume volume;
    private DriverObject? made;
    private bool nameTakenOnStorage;

    public RestoreIntoNewVolumeOperation(Volume planned, RestoreSource source, IOperationOutput output)
        : base(planned.Backend, planned.Name)
    {
        volume = planned;
        this.source = source;
        this.output = output;
    }

    public override OperationKind Kind => OperationKind.RestoreFromCopy;
    public override TargetKind TargetKind => TargetKind.Volume;
    public override string TargetId => volume.Id;
    public override string TargetDescription => TargetNames.Volume(volume);

    /// <summary>The name asked for: the volume exists only as a reserved row until it is filled.</summary>
    public override object TargetObject => volume.Name;

    // A stopped restore into a new volume removed the half-written volume; nothing is kept.
    public override string? AfterFailure => $"The new {TargetNames.Volume(volume)} was removed again: no half-written volume is left.";

    public override (string Words, ErrorHint Hint)? HowToResume =>
        ($"Restore {source.Description} into a new volume '{volume.Name}' again.",
            ErrorHint.RerunRestoreIntoNewVolume(volume.Name, source.Copy.Id, source.Copy.Snapshot ?? source.Copy.SnapshotId, source.Storage.Name));

    public override string? Destination => source.Storage.Name;
    public override string Verb => $"restore {source.Description} into a new volume";
    public override DriverCapabilities RequiredCapability => DriverCapabilities.CreateVolume | DriverCapabilities.WriteVolume;

    public override OperationDetails Details => source.Details(RestoreMode.NewVolume) with { VolumeName = volume.Name };

    public override async Task<PhaseOneOutcome<Volume>> PrepareAsync(IInventoryTransaction transaction, IOperationOutput output, CancellationToken cancellationToken)
    {
        await source.RecheckAsync(transaction, cancellationToken).ConfigureAwait(false);
        if (await transaction.FindVolumeAsync(volume.Backend, volume.Name, cancellationToken).ConfigureAwait(false) is { } existing)
            throw EngineErrors.AlreadyExists($"{TargetNames.Capitalize(TargetNames.Volume(existing))} already exists.", volume.Name);

        volume = volume with { State = VolumeState.Creating, CreatedUtc = DateTime.UtcNow };
        await transaction.InsertVolumeAsync(volume, cancellationToken).ConfigureAwait(false);
        return PhaseOneOutcome<Volume>.Continue;
    }

    public override async Task ExecuteAsync(IDriverBackend driver, CancellationToken cancellationToken)
    {
        var (store, manifest) = await source.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (store.ConfigureAwait(false))
        {
            if (await HalfMadeVolumes.FindAsync(driver, volume.Name, cancellationToken).ConfigureAwait(false) is { } existing)
            {
                nameTakenOnStorage = true;
                throw EngineErrors.AlreadyExists(
                    $"{TargetNames.Capitalize(TargetNames.Volume(volume))} already exists on the storage ({existing.Location}) but not in the inventory; it was left untouched.",
                    volume.Name);
            }
            try
            {
                made = await driver.CreateVolumeAsync(volume.Name, manifest.TotalBytes, cancellationToken).ConfigureAwait(false);
            }
            catch (StorageSnapshotException e) when (e.ErrorId == ErrorIds.AlreadyExists)
            {
                nameTakenOnStorage = true; // made meanwhile by someone else: theirs, not ours to remove
                throw;
            }

            var writer = await driver.OpenVolumeWriterAsync(made, cancellationToken).ConfigureAwait(false);
            await using (writer.ConfigureAwait(false))
            {
                await new CopyRestorer(store).RestoreAsync(manifest, writer, targetReadsAsZeros: true, output, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public override async Task<(Volume Result, string Message, long? Bytes)> CompleteAsync(IInventoryTransaction transaction, string operationId, CancellationToken cancellationToken)
    {
        var available = volume with
        {
            State = VolumeState.Available,
            DriverReference = made!.Reference,
            Location = made.Location,
            SizeBytes = made.SizeBytes > 0 ? made.SizeBytes : volume.SizeBytes,
        };
        await transaction.UpdateVolumeAsync(available, cancellationToken).ConfigureAwait(false);
        // Returned as stored (times to the millisecond), so it equals what Get-StorageVolume shows later.
        available = await transaction.GetVolumeAsync(available.Id, cancellationToken).ConfigureAwait(false) ?? available;
        return (available, $"Created {TargetNames.Volume(available)} from {source.Description}.", available.SizeBytes);
    }

    public override async Task CompensateAsync(IDriverBackend driver, CancellationToken cancellationToken)
    {
        if (nameTakenOnStorage) return;
        var halfMade = made ?? await HalfMadeVolumes.FindAsync(driver, volume.Name, cancellationToken).ConfigureAwait(false);
        if (halfMade is null) return;
        output.WriteWarning($"Restoring {source.Description} into the new {TargetNames.Volume(volume)} failed; removing the volume.");
        await driver.DeleteVolumeAsync(halfMade, cancellationToken).ConfigureAwait(false);
    }

    public override async Task FailAsync(IInventoryTransaction transaction, FailureOutcome failure, CancellationToken cancellationToken)
    {
        if (nameTakenOnStorage || failure.Compensated)
        {
            // Nothing of ours is on the storage: no volume exists, so none is listed.
            await transaction.DeleteVolumeAsync(volume.Id, cancellationToken).ConfigureAwait(false);
            return;
        }
        await transaction.UpdateVolumeAsync(volume with { State = VolumeState.Error, ErrorMessage = failure.Message }, cancellationToken).ConfigureAwait(false);
    }
}
