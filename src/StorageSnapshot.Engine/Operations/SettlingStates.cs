namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// The states an operation running under the volume lock puts its objects in and takes them out of again:
/// Creating, Reverting, Deleting. The checks made before the lock is taken must not refuse an object in one of
/// them — the operation that set it is still running, and a new operation waits for the lock like any other
/// (up to the lock timeout, then VolumeBusy) and checks the state again in phase one, under the lock. There, a
/// state still unsettled means the process that set it died (NeedsRecovery) and is refused with InvalidState.
/// </summary>
internal static class SettlingStates
{
    /// <summary>True while an operation on the volume may still be settling it.</summary>
    public static bool IsSettling(VolumeState state) => state is VolumeState.Creating or VolumeState.Reverting or VolumeState.Deleting;

    /// <summary>True while an operation on the snapshot's volume may still be settling it.</summary>
    public static bool IsSettling(SnapshotState state) => state is SnapshotState.Creating or SnapshotState.Reverting or SnapshotState.Deleting;
}
