namespace StorageSnapshot.Engine.Facade;

// The public surface the cmdlets are written against. Each method's body lives in the partial file of its
// concern; this file only fixes the signatures so that front ends and engine can be built side by side.
// IMPLEMENTATION NOTE (remove when done): bodies below throw until the orchestration work lands.
public sealed partial class StorageSnapshotEngine
{
    /// <summary>Opens the inventory (creating and migrating it), marks operations left Running by dead processes as NeedsRecovery.</summary>
    public static Task<StorageSnapshotEngine> OpenAsync(EngineOptions options, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>Get-StorageDriver: drivers by name pattern (all when null). A plain name that matches nothing → DriverNotFound via the sink.</summary>
    public IReadOnlyList<DriverInfo> GetDrivers(IReadOnlyList<string>? names, OperationContext context) => throw new NotImplementedException();

    /// <summary>Register-StorageBackend. Validates the name and the properties (one message per problem) before asking ShouldProcess.</summary>
    public Task<Backend?> RegisterBackendAsync(RegisterBackendRequest request, OperationContext context) => throw new NotImplementedException();

    /// <summary>Get-StorageBackend: by name pattern (all when null).</summary>
    public Task<IReadOnlyList<Backend>> GetBackendsAsync(IReadOnlyList<string>? names, OperationContext context) => throw new NotImplementedException();

    /// <summary>Set-StorageBackend.</summary>
    public Task<Backend?> SetBackendAsync(SetBackendRequest request, OperationContext context) => throw new NotImplementedException();

    /// <summary>Unregister-StorageBackend: forgets the backend (never touches its data). Refuses with BackendHasVolumes while the inventory has volumes on it.</summary>
    public Task<bool> UnregisterBackendAsync(string name, OperationContext context) => throw new NotImplementedException();

    /// <summary>Get-StorageVolume.</summary>
    public Task<IReadOnlyList<Volume>> GetVolumesAsync(VolumeFilter filter, OperationContext context) => throw new NotImplementedException();

    /// <summary>New-StorageVolume.</summary>
    public Task<Volume?> NewVolumeAsync(NewVolumeRequest request, OperationContext context) => throw new NotImplementedException();

    /// <summary>New-StorageVolume -FromSnapshot.</summary>
    public Task<Volume?> CloneVolumeAsync(CloneVolumeRequest request, OperationContext context) => throw new NotImplementedException();

    /// <summary>Remove-StorageVolume.</summary>
    public Task<bool> RemoveVolumeAsync(RemoveVolumeRequest request, OperationContext context) => throw new NotImplementedException();

    /// <summary>New-StorageSnapshot.</summary>
    public Task<Snapshot?> NewSnapshotAsync(NewSnapshotRequest request, OperationContext context) => throw new NotImplementedException();

    /// <summary>Get-StorageSnapshot.</summary>
    public Task<IReadOnlyList<Snapshot>> GetSnapshotsAsync(SnapshotFilter filter, OperationContext context) => throw new NotImplementedException();

    /// <summary>Set-StorageSnapshot (inventory only; no driver call).</summary>
    public Task<Snapshot?> SetSnapshotAsync(SetSnapshotRequest request, OperationContext context) => throw new NotImplementedException();

    /// <summary>What Restore-StorageSnapshot would do and lose. Changes nothing.</summary>
    public Task<ImpactPlan> PlanRevertAsync(SnapshotSelector snapshot, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>Restore-StorageSnapshot: reverts the snapshot's volume to it. Returns the snapshot (Ready again), or null when ShouldProcess said no.</summary>
    public Task<Snapshot?> RevertSnapshotAsync(SnapshotSelector snapshot, OperationContext context) => throw new NotImplementedException();

    /// <summary>What Remove-StorageSnapshot would do and touch. Changes nothing.</summary>
    public Task<ImpactPlan> PlanRemoveAsync(SnapshotSelector snapshot, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>Remove-StorageSnapshot. Refuses with SnapshotHasDependents when clones need it.</summary>
    public Task<bool> RemoveSnapshotAsync(SnapshotSelector snapshot, OperationContext context) => throw new NotImplementedException();

    /// <summary>The operation journal (for Get-StorageOperation and repair), oldest first.</summary>
    public Task<IReadOnlyList<Operation>> GetOperationsAsync(IReadOnlyCollection<OperationState>? states, OperationContext context) => throw new NotImplementedException();
}
