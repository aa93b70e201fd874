using System.Globalization;
using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Inventory;

namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// Works out what a revert or a delete of a snapshot would touch, from the inventory and the driver's declared
/// capabilities, without changing anything. The same plan feeds -WhatIf, the ShouldProcess text and the checks
/// made before the operation starts (phase one repeats the checks under the lock).
/// </summary>
internal static class ImpactPlanner
{
    public static async Task<ImpactPlan> PlanRevertAsync(IInventoryReader inventory, Snapshot snapshot, Volume volume, DriverCapabilities capabilities, string driverName, CancellationToken cancellationToken)
    {
        var all = await inventory.ListSnapshotsAsync(new SnapshotQuery { VolumeIds = new[] { volume.Id } }, cancellationToken).ConfigureAwait(false);
        var newer = all.Where(s => IsNewer(s, snapshot)).ToList();
        var destroys = capabilities.HasFlag(DriverCapabilities.RevertDestroysNewerSnapshots);

        StorageSnapshotException? refusal = null;
        if (!capabilities.HasFlag(DriverCapabilities.Revert))
            refusal = new CapabilityNotSupportedException(driverName, DriverCapabilities.Revert, "revert a volume to a snapshot", snapshot);
        // Settling states are left to phase one, under the lock, after the running operation (SettlingStates).
        else if (snapshot.State != SnapshotState.Ready && !SettlingStates.IsSettling(snapshot.State))
            refusal = EngineErrors.InvalidState($"Cannot revert to {TargetNames.Snapshot(snapshot)}: it is {snapshot.State}, not Ready.", snapshot);
        else if (volume.State != VolumeState.Available && !SettlingStates.IsSettling(volume.State))
            refusal = EngineErrors.InvalidState($"Cannot revert {TargetNames.Volume(volume)}: it is {volume.State}, not Available.", volume);
        else if (destroys && capabilities.HasFlag(DriverCapabilities.ClonesDependOnSnapshot))
        {
            foreach (var doomed in newer)
            {
                var clones = await inventory.ListClonesAsync(doomed.Id, cancellationToken).ConfigureAwait(false);
                if (clones.Count > 0) { refusal = HasDependents(doomed, clones, "the revert would destroy it"); break; }
            }
        }

        var taken = snapshot.CreatedUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "Z";
        var description =
            $"Revert {TargetNames.Volume(volume)} to snapshot '{snapshot.Name}' taken {taken}: " +
            $"all data written to the volume since {taken} is discarded. " +
            (newer.Count == 0
                ? "No newer snapshots exist."
                : destroys
                    ? $"The {newer.Count} newer snapshot(s) {TargetNames.List(newer.Select(s => s.Name))} are destroyed."
                    : $"The {newer.Count} newer snapshot(s) {TargetNames.List(newer.Select(s => s.Name))} are kept.");

        return new ImpactPlan
        {
            Snapshot = snapshot,
            Volume = volume,
            NewerSnapshots = newer,
            DestroysNewerSnapshots = destroys,
            Refusal = refusal,
            Description = description,
        };
    }

    public static async Task<ImpactPlan> PlanRemoveAsync(IInventoryReader inventory, Snapshot snapshot, Volume volume, DriverCapabilities capabilities, string driverName, CancellationToken cancellationToken)
    {
        var children = await inventory.ListSnapshotsAsync(new SnapshotQuery { ParentId = snapshot.Id }, cancellationToken).ConfigureAwait(false);
        var clones = await inventory.ListClonesAsync(snapshot.Id, cancellationToken).ConfigureAwait(false);
        var clonesDepend = capabilities.HasFlag(DriverCapabilities.ClonesDependOnSnapshot);

        StorageSnapshotException? refusal = null;
        if (!capabilities.HasFlag(DriverCapabilities.Delete))
            refusal = new CapabilityNotSupportedException(driverName, DriverCapabilities.Delete, "delete a snapshot", snapshot);
        else if (snapshot.State is not (SnapshotState.Ready or SnapshotState.Error) && !SettlingStates.IsSettling(snapshot.State))
            refusal = EngineErrors.InvalidState($"Cannot delete {TargetNames.Snapshot(snapshot)}: it is {snapshot.State}; only Ready or Error snapshots can be deleted.", snapshot);
        else if (clonesDepend && clones.Count > 0)
            refusal = HasDependents(snapshot, clones);

        var parent = snapshot.ParentId is null ? null : await inventory.GetSnapshotAsync(snapshot.ParentId, cancellationToken).ConfigureAwait(false);
        var description = $"Delete {TargetNames.Snapshot(snapshot)} and its data.";
        if (children.Count > 0)
        {
            description += $" Its {children.Count} child snapshot(s) {TargetNames.List(children.Select(c => c.Name))} " +
                           (parent is null ? "become the first of their line." : $"will descend from its parent '{parent.Name}'.");
        }
        if (clones.Count > 0)
        {
            description += clonesDepend
                ? $" The volume(s) {TargetNames.List(clones.Select(c => c.Name))} were cloned from it and depend on it."
                : $" The volume(s) {TargetNames.List(clones.Select(c => c.Name))} were cloned from it; they do not depend on it and are kept.";
        }

        return new ImpactPlan
        {
            Snapshot = snapshot,
            Volume = volume,
            Children = children,
            Clones = clones,
            Refusal = refusal,
            Description = description,
        };
    }

    /// <summary>True when <paramref name="candidate"/> was taken after <paramref name="snapshot"/> (ids sort by creation time).</summary>
    public static bool IsNewer(Snapshot candidate, Snapshot snapshot) =>
        candidate.Id != snapshot.Id
        && (candidate.CreatedUtc > snapshot.CreatedUtc
            || (candidate.CreatedUtc == snapshot.CreatedUtc && string.CompareOrdinal(candidate.Id, snapshot.Id) > 0));

    /// <summary>SnapshotHasDependents naming the clones that need the snapshot.</summary>
    public static ConflictException HasDependents(Snapshot snapshot, IReadOnlyList<Volume> clones, string? why = null) =>
        new(ErrorIds.SnapshotHasDependents,
            $"{TargetNames.Capitalize(TargetNames.Snapshot(snapshot))} cannot be deleted{(why is null ? "" : $" ({why})")}: " +
            $"the volume(s) {TargetNames.List(clones.Select(c => c.Name))} were cloned from it and its driver keeps clones dependent on their snapshot. " +
            "Remove those volumes first.",
            snapshot)
        {
            RecommendedAction = $"Remove the volume(s) {TargetNames.List(clones.Select(c => c.Name))}, then try again.",
            Hint = ErrorHint.RemoveClones(clones.Select(c => c.Name)),
        };
}
