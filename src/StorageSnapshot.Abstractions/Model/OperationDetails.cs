namespace StorageSnapshot;

/// <summary>
/// What a journaled operation leaves for recovery: one record per <see cref="OperationKind"/>, written in phase
/// one (before the storage is touched) and rewritten when the operation learns something a repair needs (a
/// safety snapshot made, the data written). The inventory stores it as JSON with a format version, so that the
/// repair command reads exactly what each operation left. A property added later is optional (nullable or with a
/// default, so older entries still read) and comes with a new format version (so an older build refuses the
/// entry instead of dropping a fact a repair needs).
/// </summary>
public abstract record OperationDetails;

/// <summary>New-StorageVolume: the name reserved; the driver names its volume after it.</summary>
public sealed record CreateVolumeDetails : OperationDetails
{
    /// <summary>The new volume's name (what a half-made volume is found by).</summary>
    public required string VolumeName { get; init; }
}

/// <summary>New-StorageVolume -FromSnapshot.</summary>
public sealed record CloneVolumeDetails : OperationDetails
{
    /// <summary>The new volume's name (what a half-made clone is found by).</summary>
    public required string VolumeName { get; init; }

    /// <summary>Inventory id of the snapshot cloned.</summary>
    public required string SourceSnapshotId { get; init; }

    /// <summary>The driver's reference of the snapshot cloned.</summary>
    public string? SourceSnapshotReference { get; init; }
}

/// <summary>Remove-StorageVolume.</summary>
public sealed record DeleteVolumeDetails : OperationDetails
{
    /// <summary>The volume's name.</summary>
    public required string VolumeName { get; init; }

    /// <summary>The driver's reference of the volume; null when its create had failed before the driver answered.</summary>
    public string? VolumeReference { get; init; }
}

/// <summary>New-StorageSnapshot: the driver names its snapshot after <see cref="SnapshotKey"/>.</summary>
public sealed record CreateSnapshotDetails : OperationDetails
{
    /// <summary>The key the driver's snapshot is named after (the inventory id of the new snapshot).</summary>
    public required string SnapshotKey { get; init; }

    /// <summary>Inventory id of the volume.</summary>
    public required string VolumeId { get; init; }

    /// <summary>The driver's reference of the volume.</summary>
    public string? VolumeReference { get; init; }
}

/// <summary>Restore-StorageSnapshot: a volume reverted to a snapshot.</summary>
public sealed record RevertSnapshotDetails : OperationDetails
{
    /// <summary>Inventory id of the volume.</summary>
    public required string VolumeId { get; init; }

    /// <summary>The driver's reference of the volume.</summary>
    public string? VolumeReference { get; init; }

    /// <summary>The driver's reference of the snapshot reverted to.</summary>
    public string? SnapshotReference { get; init; }

    /// <summary>The volume's head before the revert (what it goes back to if the revert is undone); null when it had none.</summary>
    public string? PreviousHeadSnapshotId { get; init; }
}

/// <summary>Remove-StorageSnapshot.</summary>
public sealed record DeleteSnapshotDetails : OperationDetails
{
    /// <summary>The key the driver's snapshot is named after (its inventory id).</summary>
    public required string SnapshotKey { get; init; }

    /// <summary>The driver's reference of the snapshot; null when its create had failed before the driver answered.</summary>
    public string? SnapshotReference { get; init; }

    /// <summary>Inventory id of its volume.</summary>
    public required string VolumeId { get; init; }
}

/// <summary>Copy-SnapshotToSecondary.</summary>
public sealed record CopyToSecondaryDetails : OperationDetails
{
    /// <summary>Inventory id of the snapshot copied.</summary>
    public required string SnapshotId { get; init; }

    /// <summary>The secondary storage's name.</summary>
    public required string Destination { get; init; }

    /// <summary>Where its repository is (the path it was registered with).</summary>
    public required string Repository { get; init; }

    /// <summary>The copy an incremental copy is made against, chosen in phase one from the inventory; null for a full copy.</summary>
    public string? BaseCopyId { get; init; }
}

/// <summary>How a copy is restored.</summary>
public enum RestoreMode
{
    /// <summary>Into a new volume (New-StorageVolume -FromCopy).</summary>
    NewVolume,
    /// <summary>Over the copy's own volume, guarded by a safety snapshot (Restore-StorageSnapshot -FromCopy).</summary>
    InPlace,
}

/// <summary>
/// New-StorageVolume -FromCopy and Restore-StorageSnapshot -FromCopy. In place, the safety snapshot's key is
/// recorded before it is made, its reference as soon as the driver returns it, and <see cref="DataRestored"/>
/// once the copy is written and flushed: a repair then knows whether to revert to the safety snapshot or to
/// keep the data.
/// </summary>
public sealed record RestoreFromCopyDetails : OperationDetails
{
    /// <summary>Into a new volume or in place.</summary>
    public required RestoreMode Mode { get; init; }

    /// <summary>The copy restored.</summary>
    public required string CopyId { get; init; }

    /// <summary>Inventory id of the snapshot the copy was made from.</summary>
    public required string CopySnapshotId { get; init; }

    /// <summary>The secondary storage's name.</summary>
    public required string Destination { get; init; }

    /// <summary>Where its repository is.</summary>
    public required string Repository { get; init; }

    /// <summary>The new volume's name (<see cref="RestoreMode.NewVolume"/>).</summary>
    public string? VolumeName { get; init; }

    /// <summary>Inventory id of the volume overwritten (<see cref="RestoreMode.InPlace"/>).</summary>
    public string? VolumeId { get; init; }

    /// <summary>The driver's reference of the volume overwritten (<see cref="RestoreMode.InPlace"/>).</summary>
    public string? VolumeReference { get; init; }

    /// <summary>The key the safety snapshot is named after (<see cref="RestoreMode.InPlace"/>).</summary>
    public string? SafetySnapshotKey { get; init; }

    /// <summary>The driver's reference of the safety snapshot, once it exists.</summary>
    public string? SafetySnapshotReference { get; init; }

    /// <summary>Where the safety snapshot is, once it exists.</summary>
    public string? SafetySnapshotLocation { get; init; }

    /// <summary>True once the copy has been written over the volume and flushed.</summary>
    public bool DataRestored { get; init; }

    /// <summary>
    /// True once a failed restore has put the volume back from its safety snapshot (<see cref="RestoreMode.InPlace"/>):
    /// the volume holds its old bytes again.
    /// </summary>
    public bool RevertedToSafetySnapshot { get; init; }

    /// <summary>True when the safety snapshot could not be deleted afterwards: it is still on storage (a leftover for repair).</summary>
    public bool SafetySnapshotLeft { get; init; }
}

/// <summary>Remove-SnapshotCopy.</summary>
public sealed record DeleteCopyDetails : OperationDetails
{
    /// <summary>The copy removed (its manifest is named after it).</summary>
    public required string CopyId { get; init; }

    /// <summary>The secondary storage's name.</summary>
    public required string Destination { get; init; }

    /// <summary>Where its repository is.</summary>
    public required string Repository { get; init; }

    /// <summary>Inventory id of the snapshot the copy was made from (the copy key the removal held in the repository).</summary>
    public string? CopySnapshotId { get; init; }

    /// <summary>The copy's state before the removal marked it Removing (what it goes back to if its manifest was not deleted).</summary>
    public CopyState? StateBefore { get; init; }
}

/// <summary>Remove-SnapshotCopy -Failed on one secondary storage: every chunk no committed copy references deleted, the failed copies forgotten.</summary>
public sealed record CollectChunksDetails : OperationDetails
{
    /// <summary>The secondary storage's name.</summary>
    public required string Destination { get; init; }

    /// <summary>Where its repository is.</summary>
    public required string Repository { get; init; }

    /// <summary>The copies recorded Failed in phase one, which phase two forgets if they still are.</summary>
    public IReadOnlyList<string> FailedCopies { get; init; } = [];
}

/// <summary>Test-StorageInventory -Repair: one difference and what is done about it.</summary>
public sealed record RepairDriftDetails : OperationDetails
{
    /// <summary>The difference.</summary>
    public required DriftKind Drift { get; init; }

    /// <summary>What it is about.</summary>
    public required TargetKind ObjectType { get; init; }

    /// <summary>What is done about it.</summary>
    public required DriftRepair Action { get; init; }

    /// <summary>The object's name (volume, snapshot key or name, copy id, leftover).</summary>
    public string? Name { get; init; }

    /// <summary>Its inventory id, when the inventory has it (or the id an adoption records it under).</summary>
    public string? Id { get; init; }

    /// <summary>Where it is on the storage.</summary>
    public string? Location { get; init; }
}

/// <summary>Import-SnapshotCopy: a secondary storage's copy records rebuilt from its repository.</summary>
public sealed record ImportCopiesDetails : OperationDetails
{
    /// <summary>The secondary storage's name.</summary>
    public required string Destination { get; init; }

    /// <summary>Where its repository is.</summary>
    public required string Repository { get; init; }
}
