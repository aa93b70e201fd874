using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Inventory;

namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// Remove-StorageVolume (its snapshots are removed first, each as its own operation). Phase one re-checks that
/// no snapshot appeared meanwhile and marks the volume Deleting; success removes the row, failure leaves Error.
/// </summary>
internal sealed class DeleteVolumeOperation : TwoPhaseOperation<bool>
{
    private readonly Volume volume;

    public DeleteVolumeOperation(Volume volume)
        : base(volume.Backend, volume.Name)
    {
        this.volume = volume;
    }

    public override OperationKind Kind => OperationKind.DeleteVolume;
    public override TargetKind TargetKind => TargetKind.Volume;
    public override string TargetId => volume.Id;
    public override string TargetDescription => TargetNames.Volume(volume);
    public override object TargetObject => volume;
    public override string Verb => "delete the volume";
    public override DriverCapabilities RequiredCapability => DriverCapabilities.Delete;

    public override OperationDetails Details => new DeleteVolumeDetails { VolumeName = volume.Name, VolumeReference = volume.DriverReference };

    public override async Task<PhaseOneOutcome<bool>> PrepareAsync(IInventoryTransaction transaction, IOperationOutput output, CancellationToken cancellationToken)
    {
        var current = await transaction.GetVolumeAsync(volume.Id, cancellationToken).ConfigureAwait(false)
                      ?? throw EngineErrors.VolumeNotFound($"with id '{volume.Id}'", volume.Id);
        if (current.State is not (VolumeState.Available or VolumeState.Error))
            throw EngineErrors.InvalidState($"Cannot delete {TargetNames.Volume(current)}: it is {current.State}; only Available or Error volumes can be deleted.", current);

        var snapshots = await transaction.ListSnapshotsAsync(new SnapshotQuery { VolumeIds = new[] { current.Id } }, cancellationToken).ConfigureAwait(false);
        if (snapshots.Count > 0) throw VolumeHasSnapshots(current, snapshots);

        await transaction.UpdateVolumeAsync(current with { State = VolumeState.Deleting }, cancellationToken).ConfigureAwait(false);
        return PhaseOneOutcome<bool>.Continue;
    }

    public override async Task ExecuteAsync(IDriverBackend driver, CancellationToken cancellationToken)
    {
        // A volume whose create failed has no reference; the driver may still hold a half-made one by its name.
        var target = volume.DriverReference is not null
            ? DriverObjects.Of(volume)
            : await HalfMadeVolumes.FindAsync(driver, volume.Name, cancellationToken).ConfigureAwait(false);
        if (target is not null) await driver.DeleteVolumeAsync(target, cancellationToken).ConfigureAwait(false);
    }

    public override async Task<(bool Result, string Message, long? Bytes)> CompleteAsync(IInventoryTransaction transaction, string operationId, CancellationToken cancellationToken)
    {
        await transaction.DeleteVolumeAsync(volume.Id, cancellationToken).ConfigureAwait(false);
        return (true, $"Deleted {TargetNames.Volume(volume)}.", volume.SizeBytes);
    }

    public override Task CompensateAsync(IDriverBackend driver, CancellationToken cancellationToken) => Task.CompletedTask;

    public override async Task FailAsync(IInventoryTransaction transaction, FailureOutcome failure, CancellationToken cancellationToken)
    {
        var current = await transaction.GetVolumeAsync(volume.Id, cancellationToken).ConfigureAwait(false) ?? volume;
        await transaction.UpdateVolumeAsync(current with { State = VolumeState.Error, ErrorMessage = failure.Message }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The refusal when a volume still has snapshots.</summary>
    public static ConflictException VolumeHasSnapshots(Volume volume, IReadOnlyList<Snapshot> snapshots) =>
        new(ErrorIds.VolumeHasSnapshots,
            $"{TargetNames.Capitalize(TargetNames.Volume(volume))} still has {snapshots.Count} snapshot(s): {TargetNames.List(snapshots.Select(s => s.Name))}. " +
            "Remove them first, or remove them together with the volume.",
            volume)
        {
            Hint = ErrorHint.IncludeSnapshots(volume.Name),
        };
}
