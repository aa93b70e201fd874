namespace StorageSnapshot.Engine.Operations.Repair;

/// <summary>
/// Which rule repairs which journal entry: one per <see cref="OperationKind"/> (and restore mode), chosen by the
/// entry's typed details. The rules and the table they follow are in docs/concepts/operations.md (Repair).
/// </summary>
internal static class RepairRules
{
    public static Task<RepairDecision> DecideAsync(RepairScene scene, CancellationToken cancellationToken) => scene.Entry.Details switch
    {
        CreateSnapshotDetails d => SnapshotRepairs.CreateAsync(scene, d, cancellationToken),
        RevertSnapshotDetails d => SnapshotRepairs.RevertAsync(scene, d, cancellationToken),
        DeleteSnapshotDetails d => SnapshotRepairs.DeleteAsync(scene, d, cancellationToken),
        CreateVolumeDetails d => VolumeRepairs.CreateAsync(scene, d.VolumeName, cancellationToken),
        CloneVolumeDetails d => VolumeRepairs.CreateAsync(scene, d.VolumeName, cancellationToken),
        DeleteVolumeDetails d => VolumeRepairs.DeleteAsync(scene, d, cancellationToken),
        RestoreFromCopyDetails { Mode: RestoreMode.NewVolume } d => VolumeRepairs.RestoreIntoNewVolumeAsync(scene, d, cancellationToken),
        RestoreFromCopyDetails { Mode: RestoreMode.InPlace } d => RestoreInPlaceRepair.DecideAsync(scene, d, cancellationToken),
        CopyToSecondaryDetails d => CopyRepairs.CopyAsync(scene, d, cancellationToken),
        DeleteCopyDetails d => CopyRepairs.DeleteCopyAsync(scene, d, cancellationToken),
        CollectChunksDetails d => CopyRepairs.CollectChunksAsync(scene, d, cancellationToken),
        RepairDriftDetails d => DriftRepairs.RepairDriftAsync(scene, d, cancellationToken),
        ImportCopiesDetails d => DriftRepairs.ImportCopiesAsync(scene, d, cancellationToken),
        _ => throw EngineErrors.InvalidState(
            $"Operation {scene.Entry.Id} ({scene.Entry.Kind}) cannot be repaired by this build: it has no repair rule for what the entry recorded.", scene.Entry),
    };

    /// <summary>True when the rule needs the entry's secondary storage opened (its repository).</summary>
    public static bool NeedsRepository(Operation entry) => entry.Details is CopyToSecondaryDetails or DeleteCopyDetails;

    /// <summary>True when the rule needs a driver session on the entry's backend.</summary>
    public static bool NeedsDriver(Operation entry) => entry.Backend is not null && entry.Details is not (DeleteCopyDetails or CollectChunksDetails or ImportCopiesDetails);

    /// <summary>
    /// Whose work in progress the driver is asked to delete once the entry is settled: the volume it made or changed
    /// and the snapshot keys it used. Null for an entry with no driver work.
    /// </summary>
    public static (string Volume, string[] SnapshotKeys)? Leftovers(Operation entry) => entry.Details switch
    {
        CreateVolumeDetails d => (d.VolumeName, Array.Empty<string>()),
        CloneVolumeDetails d => (d.VolumeName, Array.Empty<string>()),
        DeleteVolumeDetails d => (d.VolumeName, Array.Empty<string>()),
        RestoreFromCopyDetails { Mode: RestoreMode.NewVolume, VolumeName: { } name } => (name, Array.Empty<string>()),
        RestoreFromCopyDetails { SafetySnapshotKey: { } key } when entry.Volume is not null => (entry.Volume, new[] { key }),
        CreateSnapshotDetails d when entry.Volume is not null => (entry.Volume, new[] { d.SnapshotKey }),
        DeleteSnapshotDetails d when entry.Volume is not null => (entry.Volume, new[] { d.SnapshotKey }),
        RevertSnapshotDetails when entry.Volume is not null => (entry.Volume, Array.Empty<string>()),
        _ => null,
    };
}
