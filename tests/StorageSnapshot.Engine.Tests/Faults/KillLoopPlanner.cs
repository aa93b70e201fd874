using StorageSnapshot.TestHost.Faults;

namespace StorageSnapshot.Engine.Tests.Faults;

/// <summary>
/// Picks the kill loop's next operation from what the inventory allows now (objects stuck by earlier kills are
/// left alone, as a user could not act on them either): first the kind, evenly among those possible, then its
/// target. Everything comes from one seeded <see cref="Random"/>, so a seed replays the same choices.
/// </summary>
internal static class KillLoopPlanner
{
    public static FaultOperation Next(InventoryState state, Random random, int run)
    {
        // Ordered by names the loop chose (ids are random), so that a seed picks the same targets again.
        state = state with
        {
            Volumes = state.Volumes.OrderBy(v => v.Name, StringComparer.Ordinal).ToList(),
            Snapshots = state.Snapshots.OrderBy(s => s.Volume, StringComparer.Ordinal).ThenBy(s => s.Name, StringComparer.Ordinal).ToList(),
            Copies = state.Copies.OrderBy(c => c.Volume, StringComparer.Ordinal).ThenBy(c => c.Snapshot, StringComparer.Ordinal).ToList(),
        };
        var available = state.Volumes.Where(v => v.State == VolumeState.Available).ToList();
        var ready = state.Snapshots.Where(s => s.State == SnapshotState.Ready).ToList();
        var revertible = ready.Where(s => available.Any(v => v.Id == s.VolumeId)).ToList();
        var deletableSnapshots = state.Snapshots.Where(s => s.State is SnapshotState.Ready or SnapshotState.Error).ToList();
        var deletableVolumes = state.Volumes
            .Where(v => v.State is VolumeState.Available or VolumeState.Error)
            .Where(v => state.Snapshots.Where(s => s.VolumeId == v.Id).All(s => s.State is SnapshotState.Ready or SnapshotState.Error))
            .ToList();
        var copied = state.Copies.Where(c => c.State == CopyState.Copied).ToList();
        var uncopied = ready.Where(s => !copied.Any(c => c.SnapshotId == s.Id)).ToList();
        var restorableInPlace = copied.Where(c => available.Any(v => v.Id == c.VolumeId)).ToList();
        var removableCopies = state.Copies.Where(c => c.State is CopyState.Copied or CopyState.Removing).ToList();

        var choices = new List<Func<FaultOperation>>();
        // Few volumes: create more, so the loop never starves (kills leave volumes stuck).
        var creates = available.Count < 3 ? 3 : 1;
        for (var i = 0; i < creates; i++)
            choices.Add(() => new FaultOperation { Kind = FaultOperationKind.CreateVolume, Volume = $"v{run:D3}", SizeBytes = KillLoop.VolumeSize });
        if (available.Count > 0)
            choices.Add(() => new FaultOperation { Kind = FaultOperationKind.CreateSnapshot, Volume = Pick(available, random).Name, NewName = $"s{run:D3}" });
        if (revertible.Count > 0)
            choices.Add(() => new FaultOperation { Kind = FaultOperationKind.Revert, Snapshot = Pick(revertible, random).Id });
        if (ready.Count > 0)
            choices.Add(() => new FaultOperation { Kind = FaultOperationKind.Clone, Snapshot = Pick(ready, random).Id, NewName = $"c{run:D3}" });
        if (deletableSnapshots.Count > 0)
            choices.Add(() => new FaultOperation { Kind = FaultOperationKind.DeleteSnapshot, Snapshot = Pick(deletableSnapshots, random).Id });
        if (deletableVolumes.Count > 1)
            choices.Add(() => new FaultOperation { Kind = FaultOperationKind.DeleteVolume, Volume = Pick(deletableVolumes, random).Name, IncludeSnapshots = true });
        if (uncopied.Count > 0)
        {
            choices.Add(() => new FaultOperation { Kind = FaultOperationKind.Copy, Snapshot = Pick(uncopied, random).Id });
            choices.Add(() => new FaultOperation { Kind = FaultOperationKind.Copy, Snapshot = Pick(uncopied, random).Id });
        }
        if (restorableInPlace.Count > 0)
            choices.Add(() => new FaultOperation { Kind = FaultOperationKind.RestoreInPlace, Copy = Pick(restorableInPlace, random).Id });
        if (copied.Count > 0)
            choices.Add(() => new FaultOperation { Kind = FaultOperationKind.RestoreNewVolume, Copy = Pick(copied, random).Id, NewName = $"r{run:D3}" });
        if (removableCopies.Count > 0 && random.Next(2) == 0)
            choices.Add(() => new FaultOperation { Kind = FaultOperationKind.RemoveCopy, Copy = Pick(removableCopies, random).Id });
        return Pick(choices, random)();
    }

    private static T Pick<T>(IReadOnlyList<T> items, Random random) => items[random.Next(items.Count)];
}
