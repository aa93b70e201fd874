using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Naming;

namespace StorageSnapshot.Engine.Operations.Drift;

/// <summary>
/// Test-StorageInventory -Repair of one difference on a backend, as a journaled operation (RepairDrift) under the
/// volume's lock like every change on primary storage. Phase one re-reads the inventory (the difference must still
/// be there); the driver step looks again at the storage (an orphan must still be there to be adopted or removed, a
/// missing object still gone to be forgotten) and removes what Remove removes; phase two writes the inventory:
/// the adopted record, the forgotten one gone (children re-parented, the volume's head moved, as a snapshot
/// deletion does), the dangling parent link cleared. Removal is idempotent and nothing else touches the storage,
/// so there is nothing to compensate.
/// </summary>
internal sealed class BackendDriftRepair : TwoPhaseOperation<StorageDrift>
{
    private readonly DriftItem item;
    private readonly DriftRepair action;
    private readonly string targetId;
    private DriverObject? found;

    public BackendDriftRepair(DriftItem item, DriftRepair action)
        : base(item.Drift.Backend!, item.Drift.Volume!)
    {
        this.item = item;
        this.action = action;
        targetId = item.Drift.Id ?? (action == DriftRepair.Adopt && item.Drift.ObjectType == TargetKind.Volume ? Ids.New() : item.SnapshotKey ?? item.Drift.Name!);
    }

    private StorageDrift Drift => item.Drift;

    public override OperationKind Kind => OperationKind.RepairDrift;
    public override TargetKind TargetKind => Drift.ObjectType;
    public override string TargetId => targetId;
    public override string TargetDescription => Drift.ObjectType switch
    {
        TargetKind.Snapshot => $"snapshot '{Drift.Name}' of {TargetNames.Volume(Backend, Volume)}",
        _ when Drift.Kind == DriftKind.Leftover => $"the leftovers of {TargetNames.Volume(Backend, Volume)}",
        _ => TargetNames.Volume(Backend, Volume),
    };
    public override object TargetObject => Drift;
    public override string Verb => $"{action.ToString().ToLowerInvariant()} the {Drift.Kind.ToString().ToLowerInvariant()} {Drift.ObjectType.ToString().ToLowerInvariant()}";
    public override DriverCapabilities RequiredCapability => action == DriftRepair.Remove ? DriverCapabilities.Delete : DriverCapabilities.None;

    public override OperationDetails Details => new RepairDriftDetails
    {
        Drift = Drift.Kind,
        ObjectType = Drift.ObjectType,
        Action = action,
        Name = Drift.Name,
        Id = targetId,
        Location = Drift.Location,
    };

    public override async Task<PhaseOneOutcome<StorageDrift>> PrepareAsync(IInventoryTransaction transaction, IOperationOutput output, CancellationToken cancellationToken)
    {
        switch (Drift.Kind, Drift.ObjectType)
        {
            case (DriftKind.Orphan, TargetKind.Volume):
                if (await transaction.FindVolumeAsync(Backend, Volume, cancellationToken).ConfigureAwait(false) is not null)
                    throw Settled($"the inventory has a volume named '{Volume}' now");
                break;
            case (DriftKind.Orphan, TargetKind.Snapshot):
                if (await transaction.GetSnapshotAsync(item.SnapshotKey!, cancellationToken).ConfigureAwait(false) is not null)
                    throw Settled($"the inventory has snapshot {item.SnapshotKey} now");
                if (action == DriftRepair.Adopt && await transaction.FindVolumeAsync(Backend, Volume, cancellationToken).ConfigureAwait(false) is null)
                    throw EngineErrors.InvalidState($"Cannot adopt snapshot '{item.SnapshotKey}': its volume '{Volume}' is not in the inventory; adopt the volume first.", Drift);
                break;
            case (DriftKind.Missing, TargetKind.Volume):
                var volume = await transaction.GetVolumeAsync(Drift.Id!, cancellationToken).ConfigureAwait(false) ?? throw Settled("its record is gone");
                var snapshots = await transaction.ListSnapshotsAsync(new SnapshotQuery { VolumeIds = new[] { volume.Id } }, cancellationToken).ConfigureAwait(false);
                if (snapshots.Count > 0)
                {
                    throw EngineErrors.InvalidState(
                        $"Cannot forget {TargetNames.Volume(volume)}: the inventory still has its snapshot(s) {TargetNames.List(snapshots.Select(s => s.Name))}; forget or remove them first (they are reported too).", Drift);
                }
                break;
            case (_, TargetKind.Snapshot):
                if (await transaction.GetSnapshotAsync(Drift.Id!, cancellationToken).ConfigureAwait(false) is not { State: SnapshotState.Ready or SnapshotState.Error })
                    throw Settled("its record is gone or being changed");
                break;
        }
        return PhaseOneOutcome<StorageDrift>.Continue;
    }

    public override async Task ExecuteAsync(IDriverBackend driver, CancellationToken cancellationToken)
    {
        switch (Drift.Kind, Drift.ObjectType)
        {
            case (DriftKind.Orphan, TargetKind.Volume):
                found = await driver.FindVolumeAsync(Volume, cancellationToken).ConfigureAwait(false)
                        ?? (item.StorageObject is { Name: null } listed ? listed : null);
                if (found is null) throw Settled("it is gone from the storage");
                if (action == DriftRepair.Remove) await driver.DeleteVolumeAsync(found, cancellationToken).ConfigureAwait(false);
                break;
            case (DriftKind.Orphan, TargetKind.Snapshot):
                var volume = item.InventoryVolume is { DriverReference: not null } v ? DriverObjects.Of(v)
                    : await driver.FindVolumeAsync(Volume, cancellationToken).ConfigureAwait(false) ?? item.StorageVolume!;
                found = await driver.FindSnapshotAsync(volume, item.SnapshotKey!, cancellationToken).ConfigureAwait(false)
                        ?? throw Settled("it is gone from the storage");
                if (action == DriftRepair.Remove) await driver.DeleteSnapshotAsync(found, cancellationToken).ConfigureAwait(false);
                break;
            case (DriftKind.Missing, TargetKind.Volume):
                if (await driver.FindVolumeAsync(Volume, cancellationToken).ConfigureAwait(false) is not null)
                    throw Settled("the storage has the volume again");
                break;
            case (DriftKind.Missing, TargetKind.Snapshot):
                if (item.InventoryVolume is { DriverReference: not null } owner
                    && await FindQuietlyAsync(driver, DriverObjects.Of(owner), Drift.Id!, cancellationToken).ConfigureAwait(false) is not null)
                    throw Settled("the storage has the snapshot again");
                break;
            case (DriftKind.ParentMissing, TargetKind.Snapshot) when action == DriftRepair.Remove && item.VolumeGone:
                await driver.DeleteSnapshotAsync(DriverObjects.Of(item.InventorySnapshot!), cancellationToken).ConfigureAwait(false);
                break;
            case (DriftKind.Leftover, _):
                var deleted = await driver.DeleteLeftoversAsync(Volume, item.LeftoverKeys, cancellationToken).ConfigureAwait(false);
                found = new DriverObject { Reference = "", Location = Drift.Location ?? "", SizeBytes = deleted };
                break;
        }
    }

    public override async Task<(StorageDrift Result, string Message, long? Bytes)> CompleteAsync(IInventoryTransaction transaction, string operationId, CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow;
        string message;
        string? id = Drift.Id;
        switch (Drift.Kind, Drift.ObjectType, action)
        {
            case (DriftKind.Orphan, TargetKind.Volume, DriftRepair.Adopt):
                await transaction.InsertVolumeAsync(new Volume
                {
                    Id = targetId,
                    Name = Volume,
                    Backend = Backend,
                    SizeBytes = found!.SizeBytes,
                    State = VolumeState.Available,
                    Location = found.Location,
                    DriverReference = found.Reference,
                    CreatedUtc = now,
                }, cancellationToken).ConfigureAwait(false);
                id = targetId;
                message = $"Adopted {TargetNames.Volume(Backend, Volume)} ({found.Location}) into the inventory.";
                break;
            case (DriftKind.Orphan, TargetKind.Snapshot, DriftRepair.Adopt):
                var owner = await transaction.FindVolumeAsync(Backend, Volume, cancellationToken).ConfigureAwait(false)
                            ?? throw EngineErrors.InvalidState($"Cannot adopt snapshot '{item.SnapshotKey}': its volume '{Volume}' left the inventory.", Drift);
                await transaction.InsertSnapshotAsync(new Snapshot
                {
                    Id = item.SnapshotKey!,
                    Name = await FreeNameAsync(transaction, owner, "adopted-" + item.SnapshotKey, cancellationToken).ConfigureAwait(false),
                    VolumeId = owner.Id,
                    Volume = owner.Name,
                    Backend = owner.Backend,
                    CreatedUtc = now,
                    SizeBytes = found!.SizeBytes,
                    State = SnapshotState.Ready,
                    Description = $"Adopted from the storage by a drift repair (operation {operationId}).",
                    DriverReference = found.Reference,
                    Location = found.Location,
                    Details = found.Details,
                }, cancellationToken).ConfigureAwait(false);
                id = item.SnapshotKey;
                message = $"Adopted snapshot '{item.SnapshotKey}' of {TargetNames.Volume(owner)} ({found.Location}) into the inventory.";
                break;
            case (DriftKind.Missing, TargetKind.Volume, _):
                await transaction.DeleteVolumeAsync(Drift.Id!, cancellationToken).ConfigureAwait(false);
                message = $"Forgot {TargetNames.Volume(Backend, Volume)}, which is gone from the storage.";
                break;
            case (DriftKind.Missing, TargetKind.Snapshot, _):
            case (DriftKind.ParentMissing, TargetKind.Snapshot, _) when item.VolumeGone:
                await ForgetSnapshotAsync(transaction, item.InventorySnapshot!, cancellationToken).ConfigureAwait(false);
                message = action == DriftRepair.Remove
                    ? $"Removed snapshot '{Drift.Name}' of {TargetNames.Volume(Backend, Volume)}, whose volume is gone, from the storage and the inventory."
                    : $"Forgot snapshot '{Drift.Name}' of {TargetNames.Volume(Backend, Volume)}.";
                break;
            case (DriftKind.ParentMissing, TargetKind.Snapshot, _):
                var current = await transaction.GetSnapshotAsync(Drift.Id!, cancellationToken).ConfigureAwait(false) ?? throw Settled("its record is gone");
                await transaction.UpdateSnapshotAsync(current with { ParentId = null }, cancellationToken).ConfigureAwait(false);
                message = $"Forgot the parent link of snapshot '{Drift.Name}' of {TargetNames.Volume(Backend, Volume)} (its parent {current.ParentId} is not in the inventory).";
                break;
            case (DriftKind.Leftover, _, _):
                message = $"Removed {found!.SizeBytes} leftover(s) of interrupted work on {TargetNames.Volume(Backend, Volume)}: {Drift.Location}.";
                break;
            default:
                message = $"Removed the orphan {Drift.ObjectType.ToString().ToLowerInvariant()} '{Drift.Name}' ({found?.Location ?? Drift.Location}) from backend '{Backend}'.";
                break;
        }
        return (Drift with { Id = id, Repaired = action, OperationId = operationId }, message, action == DriftRepair.Remove ? Drift.SizeBytes : null);
    }

    public override Task CompensateAsync(IDriverBackend driver, CancellationToken cancellationToken) => Task.CompletedTask;

    public override Task FailAsync(IInventoryTransaction transaction, FailureOutcome failure, CancellationToken cancellationToken) => Task.CompletedTask;

    private StorageSnapshotException Settled(string why) => EngineErrors.InvalidState(
        $"Nothing to {action.ToString().ToLowerInvariant()}: {Drift.Description} no longer holds ({why}). Compare the inventory with the storage again.", Drift);

    private static async Task<DriverObject?> FindQuietlyAsync(IDriverBackend driver, DriverObject volume, string key, CancellationToken cancellationToken)
    {
        try
        {
            return await driver.FindSnapshotAsync(volume, key, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not (OperationCanceledException or StorageSnapshotException))
        {
            return null; // the volume is gone too
        }
    }

    /// <summary>As a snapshot deletion does: children re-parented to its parent, the volume's head moved back, the row removed.</summary>
    private static async Task ForgetSnapshotAsync(IInventoryTransaction transaction, Snapshot snapshot, CancellationToken cancellationToken)
    {
        var children = await transaction.ListSnapshotsAsync(new SnapshotQuery { ParentId = snapshot.Id }, cancellationToken).ConfigureAwait(false);
        foreach (var child in children)
            await transaction.UpdateSnapshotAsync(child with { ParentId = snapshot.ParentId }, cancellationToken).ConfigureAwait(false);
        var volume = await transaction.GetVolumeAsync(snapshot.VolumeId, cancellationToken).ConfigureAwait(false);
        if (volume is not null && volume.HeadSnapshotId == snapshot.Id)
            await transaction.UpdateVolumeAsync(volume with { HeadSnapshotId = snapshot.ParentId }, cancellationToken).ConfigureAwait(false);
        await transaction.DeleteSnapshotAsync(snapshot.Id, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<string> FreeNameAsync(IInventoryTransaction transaction, Volume volume, string name, CancellationToken cancellationToken)
    {
        if (name.Length > NameRules.MaxLength - 4) name = name[..(NameRules.MaxLength - 4)];
        var candidate = name;
        for (var n = 2; await transaction.FindSnapshotByNameAsync(volume.Id, candidate, cancellationToken).ConfigureAwait(false) is not null; n++)
            candidate = SnapshotNames.WithSuffix(name, n);
        return candidate;
    }
}
