using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Inventory;

namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// Restore-StorageSnapshot. Phase one marks the snapshot and its volume Reverting. The driver's revert is
/// atomic (the contract says a failed revert leaves the volume unchanged), so a failure puts both back to
/// their old states; success moves the volume's head to the snapshot and, when the driver destroys newer
/// snapshots, removes their rows.
/// </summary>
internal sealed class RevertSnapshotOperation : TwoPhaseOperation<Snapshot>
{
    private readonly Snapshot snapshot;
    private readonly Volume volume;
    private readonly bool destroysNewer;

    public RevertSnapshotOperation(Snapshot snapshot, Volume volume, bool destroysNewer)
        : base(volume.Backend, volume.Name)
    {
        this.snapshot = snapshot;
        this.volume = volume;
        this.destroysNewer = destroysNewer;
    }

    public override OperationKind Kind => OperationKind.RevertSnapshot;
    public override TargetKind TargetKind => TargetKind.Snapshot;
    public override string TargetId => snapshot.Id;
    public override string TargetDescription => TargetNames.Snapshot(snapshot);
    public override object TargetObject => snapshot;
    public override string Verb => $"revert {TargetNames.Volume(volume)} to snapshot '{snapshot.Name}'";
    public override DriverCapabilities RequiredCapability => DriverCapabilities.Revert;

    public override OperationDetails Details => new RevertSnapshotDetails
    {
        VolumeId = volume.Id,
        VolumeReference = volume.DriverReference,
        SnapshotReference = snapshot.DriverReference,
        PreviousHeadSnapshotId = volume.HeadSnapshotId,
    };

    public override async Task<PhaseOneOutcome<Snapshot>> PrepareAsync(IInventoryTransaction transaction, IOperationOutput output, CancellationToken cancellationToken)
    {
        var currentSnapshot = await transaction.GetSnapshotAsync(snapshot.Id, cancellationToken).ConfigureAwait(false)
                              ?? throw EngineErrors.SnapshotNotFound($"with id '{snapshot.Id}'", snapshot.Id);
        if (currentSnapshot.State != SnapshotState.Ready)
            throw EngineErrors.InvalidState($"Cannot revert to {TargetNames.Snapshot(currentSnapshot)}: it is {currentSnapshot.State}, not Ready.", currentSnapshot);
        var currentVolume = await transaction.GetVolumeAsync(volume.Id, cancellationToken).ConfigureAwait(false)
                            ?? throw EngineErrors.VolumeNotFound($"with id '{volume.Id}'", volume.Id);
        if (currentVolume.State != VolumeState.Available)
            throw EngineErrors.InvalidState($"Cannot revert {TargetNames.Volume(currentVolume)}: it is {currentVolume.State}, not Available.", currentVolume);

        await transaction.UpdateSnapshotAsync(currentSnapshot with { State = SnapshotState.Reverting }, cancellationToken).ConfigureAwait(false);
        await transaction.UpdateVolumeAsync(currentVolume with { State = VolumeState.Reverting }, cancellationToken).ConfigureAwait(false);
        return PhaseOneOutcome<Snapshot>.Continue;
    }

    public override Task ExecuteAsync(IDriverBackend driver, CancellationToken cancellationToken) =>
        driver.RevertVolumeAsync(DriverObjects.Of(volume), DriverObjects.Of(snapshot), cancellationToken);

    public override async Task<(Snapshot Result, string Message, long? Bytes)> CompleteAsync(IInventoryTransaction transaction, string operationId, CancellationToken cancellationToken)
    {
        var destroyed = new List<string>();
        if (destroysNewer)
        {
            var all = await transaction.ListSnapshotsAsync(new SnapshotQuery { VolumeIds = new[] { volume.Id } }, cancellationToken).ConfigureAwait(false);
            foreach (var newer in all.Where(s => ImpactPlanner.IsNewer(s, snapshot)))
            {
                await transaction.DeleteSnapshotAsync(newer.Id, cancellationToken).ConfigureAwait(false);
                destroyed.Add(newer.Name);
            }
        }

        var reverted = await Restore(transaction, cancellationToken).ConfigureAwait(false);
        var message = $"Reverted {TargetNames.Volume(volume)} to snapshot '{snapshot.Name}'."
                      + (destroyed.Count > 0 ? $" The driver destroyed the newer snapshots {TargetNames.List(destroyed)}." : "");
        return (reverted, message, snapshot.SizeBytes);
    }

    public override Task CompensateAsync(IDriverBackend driver, CancellationToken cancellationToken) => Task.CompletedTask;

    public override async Task FailAsync(IInventoryTransaction transaction, FailureOutcome failure, CancellationToken cancellationToken)
    {
        // The revert is atomic: the volume still holds its data from before the call and keeps its old head.
        var currentSnapshot = await transaction.GetSnapshotAsync(snapshot.Id, cancellationToken).ConfigureAwait(false);
        if (currentSnapshot is not null)
            await transaction.UpdateSnapshotAsync(currentSnapshot with { State = SnapshotState.Ready }, cancellationToken).ConfigureAwait(false);
        var currentVolume = await transaction.GetVolumeAsync(volume.Id, cancellationToken).ConfigureAwait(false);
        if (currentVolume is not null)
            await transaction.UpdateVolumeAsync(currentVolume with { State = VolumeState.Available }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<Snapshot> Restore(IInventoryTransaction transaction, CancellationToken cancellationToken)
    {
        var currentSnapshot = await transaction.GetSnapshotAsync(snapshot.Id, cancellationToken).ConfigureAwait(false) ?? snapshot;
        var ready = currentSnapshot with { State = SnapshotState.Ready };
        await transaction.UpdateSnapshotAsync(ready, cancellationToken).ConfigureAwait(false);
        var currentVolume = await transaction.GetVolumeAsync(volume.Id, cancellationToken).ConfigureAwait(false) ?? volume;
        await transaction.UpdateVolumeAsync(currentVolume with { State = VolumeState.Available, HeadSnapshotId = snapshot.Id, ErrorMessage = null }, cancellationToken).ConfigureAwait(false);
        return ready;
    }
}
