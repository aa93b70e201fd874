using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Inventory;

namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// Remove-StorageSnapshot. Phase one re-checks dependents and marks the snapshot Deleting; success re-parents
/// its children to its parent, moves the volume's head back to its parent if it was the head, and removes
/// the row. A failed delete leaves the snapshot in Error (the driver may have removed part of it), from which
/// a new Remove may be tried.
/// </summary>
internal sealed class DeleteSnapshotOperation : TwoPhaseOperation<bool>
{
    private readonly Snapshot snapshot;
    private readonly Volume volume;
    private readonly bool clonesDependOnSnapshot;

    public DeleteSnapshotOperation(Snapshot snapshot, Volume volume, bool clonesDependOnSnapshot)
        : base(volume.Backend, volume.Name)
    {
        this.snapshot = snapshot;
        this.volume = volume;
        this.clonesDependOnSnapshot = clonesDependOnSnapshot;
    }

    public override OperationKind Kind => OperationKind.DeleteSnapshot;
    public override TargetKind TargetKind => TargetKind.Snapshot;
    public override string TargetId => snapshot.Id;
    public override string TargetDescription => TargetNames.Snapshot(snapshot);
    public override object TargetObject => snapshot;
    public override string Verb => "delete the snapshot";
    public override DriverCapabilities RequiredCapability => DriverCapabilities.Delete;

    public override OperationDetails Details => new DeleteSnapshotDetails
    {
        SnapshotKey = snapshot.Id,
        SnapshotReference = snapshot.DriverReference,
        VolumeId = volume.Id,
    };

    public override async Task<PhaseOneOutcome<bool>> PrepareAsync(IInventoryTransaction transaction, IOperationOutput output, CancellationToken cancellationToken)
    {
        var current = await transaction.GetSnapshotAsync(snapshot.Id, cancellationToken).ConfigureAwait(false)
                      ?? throw EngineErrors.SnapshotNotFound($"with id '{snapshot.Id}'", snapshot.Id);
        if (current.State is not (SnapshotState.Ready or SnapshotState.Error))
            throw EngineErrors.InvalidState($"Cannot delete {TargetNames.Snapshot(current)}: it is {current.State}; only Ready or Error snapshots can be deleted.", current);

        if (clonesDependOnSnapshot)
        {
            var clones = await transaction.ListClonesAsync(current.Id, cancellationToken).ConfigureAwait(false);
            if (clones.Count > 0) throw ImpactPlanner.HasDependents(current, clones);
        }

        await transaction.UpdateSnapshotAsync(current with { State = SnapshotState.Deleting }, cancellationToken).ConfigureAwait(false);
        return PhaseOneOutcome<bool>.Continue;
    }

    public override async Task ExecuteAsync(IDriverBackend driver, CancellationToken cancellationToken)
    {
        // A snapshot whose create failed has no reference; the driver may still hold a half-made one under its key.
        var target = snapshot.DriverReference is not null
            ? DriverObjects.Of(snapshot)
            : await driver.FindSnapshotAsync(DriverObjects.Of(volume), snapshot.Id, cancellationToken).ConfigureAwait(false);
        if (target is not null) await driver.DeleteSnapshotAsync(target, cancellationToken).ConfigureAwait(false);
    }

    public override async Task<(bool Result, string Message, long? Bytes)> CompleteAsync(IInventoryTransaction transaction, string operationId, CancellationToken cancellationToken)
    {
        var children = await transaction.ListSnapshotsAsync(new SnapshotQuery { ParentId = snapshot.Id }, cancellationToken).ConfigureAwait(false);
        foreach (var child in children)
            await transaction.UpdateSnapshotAsync(child with { ParentId = snapshot.ParentId }, cancellationToken).ConfigureAwait(false);

        var currentVolume = await transaction.GetVolumeAsync(volume.Id, cancellationToken).ConfigureAwait(false);
        if (currentVolume is not null && currentVolume.HeadSnapshotId == snapshot.Id)
            await transaction.UpdateVolumeAsync(currentVolume with { HeadSnapshotId = snapshot.ParentId }, cancellationToken).ConfigureAwait(false);

        await transaction.DeleteSnapshotAsync(snapshot.Id, cancellationToken).ConfigureAwait(false);
        var message = $"Deleted {TargetNames.Snapshot(snapshot)}."
                      + (children.Count > 0 ? $" Its children {TargetNames.List(children.Select(c => c.Name))} now descend from its parent." : "");
        return (true, message, snapshot.SizeBytes);
    }

    public override Task CompensateAsync(IDriverBackend driver, CancellationToken cancellationToken) => Task.CompletedTask;

    public override async Task FailAsync(IInventoryTransaction transaction, FailureOutcome failure, CancellationToken cancellationToken)
    {
        var current = await transaction.GetSnapshotAsync(snapshot.Id, cancellationToken).ConfigureAwait(false) ?? snapshot;
        await transaction.UpdateSnapshotAsync(current with { State = SnapshotState.Error, ErrorMessage = failure.Message }, cancellationToken).ConfigureAwait(false);
    }
}
