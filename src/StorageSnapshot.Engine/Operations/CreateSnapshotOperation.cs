using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Naming;

namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// New-StorageSnapshot. Phase one records the snapshot as Creating with its parent (the volume's head) and its
/// creation time; the driver names its snapshot after the inventory id, so a failed or interrupted create can
/// be found and removed.
/// </summary>
internal sealed class CreateSnapshotOperation : TwoPhaseOperation<Snapshot>
{
    private readonly Volume volume;
    private readonly bool nameWasGiven;
    private Snapshot snapshot;
    private DriverObject? made;

    /// <param name="volume">The volume as the caller resolved it (re-read in phase one).</param>
    /// <param name="planned">The new snapshot's fields (id, name, description, tags, expiry, token).</param>
    /// <param name="nameWasGiven">False when <paramref name="planned"/> carries a default name, which may get a -N suffix if taken.</param>
    public CreateSnapshotOperation(Volume volume, Snapshot planned, bool nameWasGiven)
        : base(volume.Backend, volume.Name)
    {
        this.volume = volume;
        this.nameWasGiven = nameWasGiven;
        snapshot = planned;
    }

    public override OperationKind Kind => OperationKind.CreateSnapshot;
    public override TargetKind TargetKind => TargetKind.Snapshot;
    public override string TargetId => snapshot.Id;
    public override string TargetDescription => TargetNames.Snapshot(snapshot);

    /// <summary>The volume: the snapshot is not in the inventory until phase one, and the volume is what the caller gave.</summary>
    public override object TargetObject => volume;
    public override string Verb => "create the snapshot";
    public override DriverCapabilities RequiredCapability => DriverCapabilities.Snapshot;

    public override OperationDetails Details => new CreateSnapshotDetails
    {
        SnapshotKey = snapshot.Id,
        VolumeId = volume.Id,
        VolumeReference = volume.DriverReference,
    };

    public override async Task<PhaseOneOutcome<Snapshot>> PrepareAsync(IInventoryTransaction transaction, IOperationOutput output, CancellationToken cancellationToken)
    {
        var current = await transaction.GetVolumeAsync(volume.Id, cancellationToken).ConfigureAwait(false)
                      ?? throw EngineErrors.VolumeNotFound($"'{volume.Name}' on backend '{volume.Backend}'", volume.Name);

        if (snapshot.ClientToken is { } token)
        {
            var earlier = await transaction.FindSnapshotByClientTokenAsync(current.Id, token, cancellationToken).ConfigureAwait(false);
            if (earlier is not null) return PhaseOneOutcome<Snapshot>.Finish(ClientTokens.Replay(earlier, nameWasGiven ? snapshot.Name : null, output));
        }

        if (current.State != VolumeState.Available)
            throw EngineErrors.InvalidState($"Cannot snapshot {TargetNames.Volume(current)}: it is {current.State}, not Available.", current);

        var name = snapshot.Name;
        for (var n = 2; await transaction.FindSnapshotByNameAsync(current.Id, name, cancellationToken).ConfigureAwait(false) is not null; n++)
        {
            if (nameWasGiven)
                throw EngineErrors.AlreadyExists($"{TargetNames.Volume(current)} already has a snapshot named '{name}'.", name);
            name = SnapshotNames.WithSuffix(SnapshotNames.Default(current.Name, snapshot.CreatedUtc), n);
        }

        // Created now, under the lock: the order of creation times is then the order the snapshots are taken in
        // (and of parent links), whoever started asking first. Revert plans and listings order by it.
        var created = DateTime.UtcNow;
        snapshot = snapshot with
        {
            Name = name,
            Volume = current.Name,
            Backend = current.Backend,
            CreatedUtc = created > snapshot.CreatedUtc ? created : snapshot.CreatedUtc,
            State = SnapshotState.Creating,
            SizeBytes = current.SizeBytes,
            ParentId = current.HeadSnapshotId,
        };
        await transaction.InsertSnapshotAsync(snapshot, cancellationToken).ConfigureAwait(false);
        return PhaseOneOutcome<Snapshot>.Continue;
    }

    public override async Task ExecuteAsync(IDriverBackend driver, CancellationToken cancellationToken)
    {
        made = await driver.CreateSnapshotAsync(DriverObjects.Of(volume), snapshot.Id, cancellationToken).ConfigureAwait(false);
    }

    public override async Task<(Snapshot Result, string Message, long? Bytes)> CompleteAsync(IInventoryTransaction transaction, string operationId, CancellationToken cancellationToken)
    {
        var ready = snapshot with
        {
            State = SnapshotState.Ready,
            DriverReference = made!.Reference,
            Location = made.Location,
            SizeBytes = made.SizeBytes > 0 ? made.SizeBytes : snapshot.SizeBytes,
            Details = made.Details,
        };
        await transaction.UpdateSnapshotAsync(ready, cancellationToken).ConfigureAwait(false);
        // Returned as stored (times to the millisecond), so it equals what Get-StorageSnapshot shows later.
        ready = await transaction.GetSnapshotAsync(ready.Id, cancellationToken).ConfigureAwait(false) ?? ready;

        var current = await transaction.GetVolumeAsync(volume.Id, cancellationToken).ConfigureAwait(false);
        if (current is not null) await transaction.UpdateVolumeAsync(current with { HeadSnapshotId = ready.Id }, cancellationToken).ConfigureAwait(false);
        return (ready, $"Created {TargetNames.Snapshot(ready)}.", ready.SizeBytes);
    }

    public override async Task CompensateAsync(IDriverBackend driver, CancellationToken cancellationToken)
    {
        // The driver may have made the snapshot and failed afterwards, or been stopped half-way: look it up by key.
        var halfMade = made ?? await driver.FindSnapshotAsync(DriverObjects.Of(volume), snapshot.Id, cancellationToken).ConfigureAwait(false);
        if (halfMade is not null) await driver.DeleteSnapshotAsync(halfMade, cancellationToken).ConfigureAwait(false);
    }

    public override async Task FailAsync(IInventoryTransaction transaction, FailureOutcome failure, CancellationToken cancellationToken)
    {
        if (failure.Cancelled && failure.Compensated)
        {
            // Stopped by the user and nothing is left on the storage: no snapshot exists, so none is listed.
            await transaction.DeleteSnapshotAsync(snapshot.Id, cancellationToken).ConfigureAwait(false);
            return;
        }
        await transaction.UpdateSnapshotAsync(snapshot with { State = SnapshotState.Error, ErrorMessage = failure.Message }, cancellationToken).ConfigureAwait(false);
    }
}
