namespace StorageSnapshot.Engine.Operations;

/// <summary>The errors the engine raises in more than one place, worded once.</summary>
internal static class EngineErrors
{
    public static ObjectNotFoundException BackendNotFound(string name) =>
        new(ErrorIds.BackendNotFound, $"No storage backend named '{name}' is registered.", name);

    public static ObjectNotFoundException VolumeNotFound(string what, object? target) =>
        new(ErrorIds.VolumeNotFound, $"No volume {what} was found.", target);

    public static ObjectNotFoundException SnapshotNotFound(string what, object? target) =>
        new(ErrorIds.SnapshotNotFound, $"No snapshot {what} was found.", target);

    public static ConflictException InvalidState(string message, object? target) =>
        new(ErrorIds.InvalidState, message, target);

    public static ConflictException AlreadyExists(string message, object? target) =>
        new(ErrorIds.AlreadyExists, message, target, ErrorKind.ResourceExists);

    public static ValidationException InvalidArgument(string problem, object? target) =>
        new(ErrorIds.InvalidArgument, problem, target);

    public static StorageSnapshotException Cancelled(string message, object? target) =>
        new(ErrorIds.OperationCancelled, ErrorKind.OperationStopped, message, target);

    public static BackendInMaintenanceException InMaintenance(Backend backend, object? target) =>
        new(backend.Name, backend.MaintenanceReason, target);
}
