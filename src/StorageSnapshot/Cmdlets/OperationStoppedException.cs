namespace StorageSnapshot.Commands.Cmdlets;

/// <summary>
/// The exception of an OperationStopped error record (Ctrl+C during a copy or restore): the engine's cancellation,
/// with its message saying what was stopped and kept, under the id the cmdlets report it by.
/// </summary>
public sealed class OperationStoppedException(StorageSnapshotException stopped) : Exception(stopped.Message, stopped)
{
    /// <summary>The engine's error (OperationCancelled) with its target and recommended action.</summary>
    public StorageSnapshotException Stopped { get; } = stopped;
}
