namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// The host-wide lock each kind of journaled operation holds from before phase one until after phase two: the
/// lock of its volume for the operations that call a driver, of its copy or its secondary storage for the
/// operations on a repository. One place, so that the runner takes and <see cref="DeadOperationDetector"/>
/// tests the same lock. Keys use characters names cannot hold (':'), so no two kinds share a key.
/// </summary>
internal static class OperationLocks
{
    /// <summary>The key of a copy being removed.</summary>
    public static string ForCopy(string copyId) => "copy:" + copyId;

    /// <summary>The key of a secondary storage whose chunks are being collected.</summary>
    public static string ForSecondaryStorage(string name) => "secondary-storage:" + name.ToLowerInvariant();

    /// <summary>The key a journal entry's operation held; null when it held none this host can test.</summary>
    public static string? KeyOf(Operation operation) => operation.Kind switch
    {
        OperationKind.DeleteCopy when operation.TargetId is { } copyId => ForCopy(copyId),
        OperationKind.CollectChunks when operation.TargetId is { } storage => ForSecondaryStorage(storage),
        _ when operation.Volume is { } volume => VolumeLock.KeyFor(operation.Backend, volume),
        _ => null,
    };
}
