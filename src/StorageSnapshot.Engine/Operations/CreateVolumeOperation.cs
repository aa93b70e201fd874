using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Inventory;

namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// New-StorageVolume, and with a source snapshot New-StorageVolume -FromSnapshot (a clone). Phase one reserves
/// the name with a Creating row; a failure removes whatever the driver made and leaves the row in Error.
/// A clone holds the lock of its source snapshot's volume, which keeps the snapshot from being deleted or
/// reverted to while it is read.
/// A volume of the same name that is already on the storage but not in this inventory (a backend directory
/// registered again after its inventory was lost, or shared by two per-user inventories) is someone's data:
/// the create refuses with AlreadyExists before asking the driver, compensation never looks it up, and the
/// reserved row goes away again — an Error row would send a later Remove-StorageVolume looking for it by name.
/// </summary>
internal sealed class CreateVolumeOperation : TwoPhaseOperation<Volume>
{
    private readonly Snapshot? source;
    private Volume volume;
    private DriverObject? made;
    private bool nameTakenOnStorage;

    private CreateVolumeOperation(Volume planned, Snapshot? source, string lockedVolume)
        : base(planned.Backend, lockedVolume)
    {
        volume = planned;
        this.source = source;
    }

    /// <summary>An empty volume.</summary>
    public static CreateVolumeOperation Empty(Volume planned) => new(planned, null, planned.Name);

    /// <summary>A clone of <paramref name="source"/> (the volume lands on the snapshot's backend).</summary>
    public static CreateVolumeOperation Clone(Volume planned, Snapshot source) => new(planned, source, source.Volume);

    public override OperationKind Kind => source is null ? OperationKind.CreateVolume : OperationKind.CloneVolume;
    public override TargetKind TargetKind => TargetKind.Volume;
    public override string TargetId => volume.Id;
    public override string TargetDescription => TargetNames.Volume(volume);

    /// <summary>The name asked for: the volume exists only as a reserved row until the driver has made it.</summary>
    public override object TargetObject => volume.Name;
    public override string Verb => source is null ? "create the volume" : $"clone snapshot '{source.Name}' of volume '{source.Volume}' into a new volume";
    public override DriverCapabilities RequiredCapability => source is null ? DriverCapabilities.CreateVolume : DriverCapabilities.Clone;

    public override OperationDetails Details => source is null
        ? new CreateVolumeDetails { VolumeName = volume.Name }
        : new CloneVolumeDetails { VolumeName = volume.Name, SourceSnapshotId = source.Id, SourceSnapshotReference = source.DriverReference };

    public override async Task<PhaseOneOutcome<Volume>> PrepareAsync(IInventoryTransaction transaction, IOperationOutput output, CancellationToken cancellationToken)
    {
        if (source is not null)
        {
            var currentSource = await transaction.GetSnapshotAsync(source.Id, cancellationToken).ConfigureAwait(false)
                                ?? throw EngineErrors.SnapshotNotFound($"with id '{source.Id}'", source.Id);
            if (currentSource.State != SnapshotState.Ready)
                throw EngineErrors.InvalidState($"Cannot clone {TargetNames.Snapshot(currentSource)}: it is {currentSource.State}, not Ready.", currentSource);
        }

        if (await transaction.FindVolumeAsync(volume.Backend, volume.Name, cancellationToken).ConfigureAwait(false) is { } existing)
            throw EngineErrors.AlreadyExists($"{TargetNames.Capitalize(TargetNames.Volume(existing))} already exists.", volume.Name);

        volume = volume with { State = VolumeState.Creating, CreatedUtc = DateTime.UtcNow };
        await transaction.InsertVolumeAsync(volume, cancellationToken).ConfigureAwait(false);
        return PhaseOneOutcome<Volume>.Continue;
    }

    public override async Task ExecuteAsync(IDriverBackend driver, CancellationToken cancellationToken)
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
            made = source is null
                ? await driver.CreateVolumeAsync(volume.Name, volume.SizeBytes, cancellationToken).ConfigureAwait(false)
                : await driver.CloneVolumeAsync(DriverObjects.Of(source), volume.Name, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageSnapshotException e) when (e.ErrorId == ErrorIds.AlreadyExists)
        {
            nameTakenOnStorage = true; // made meanwhile by someone else: theirs, not ours to remove
            throw;
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
        var message = source is null
            ? $"Created {TargetNames.Volume(available)} ({available.SizeBytes} bytes)."
            : $"Created {TargetNames.Volume(available)} as a clone of {TargetNames.Snapshot(source)}.";
        return (available, message, available.SizeBytes);
    }

    public override async Task CompensateAsync(IDriverBackend driver, CancellationToken cancellationToken)
    {
        if (nameTakenOnStorage) return;
        var halfMade = made ?? await HalfMadeVolumes.FindAsync(driver, volume.Name, cancellationToken).ConfigureAwait(false);
        if (halfMade is not null) await driver.DeleteVolumeAsync(halfMade, cancellationToken).ConfigureAwait(false);
    }

    public override async Task FailAsync(IInventoryTransaction transaction, FailureOutcome failure, CancellationToken cancellationToken)
    {
        if (nameTakenOnStorage || (failure.Cancelled && failure.Compensated))
        {
            // Nothing of ours is on the storage: no volume exists, so none is listed.
            await transaction.DeleteVolumeAsync(volume.Id, cancellationToken).ConfigureAwait(false);
            return;
        }
        await transaction.UpdateVolumeAsync(volume with { State = VolumeState.Error, ErrorMessage = failure.Message }, cancellationToken).ConfigureAwait(false);
    }
}
