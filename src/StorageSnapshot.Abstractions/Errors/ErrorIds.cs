namespace StorageSnapshot;

/// <summary>
/// Stable error ids: public contract. A script catches them through the ErrorRecord's FullyQualifiedErrorId,
/// which starts with one of these. Never rename one; add new ones instead.
/// </summary>
public static class ErrorIds
{
    /// <summary>No snapshot matches the id or name asked for.</summary>
    public const string SnapshotNotFound = nameof(SnapshotNotFound);
    /// <summary>No volume matches.</summary>
    public const string VolumeNotFound = nameof(VolumeNotFound);
    /// <summary>No backend of that name is registered.</summary>
    public const string BackendNotFound = nameof(BackendNotFound);
    /// <summary>No driver of that name is known.</summary>
    public const string DriverNotFound = nameof(DriverNotFound);
    /// <summary>The backend is in maintenance mode; the message names the reason.</summary>
    public const string BackendInMaintenance = nameof(BackendInMaintenance);
    /// <summary>Another operation holds the volume; the message names it.</summary>
    public const string VolumeBusy = nameof(VolumeBusy);
    /// <summary>Other objects depend on the snapshot (clones that need it, for example).</summary>
    public const string SnapshotHasDependents = nameof(SnapshotHasDependents);
    /// <summary>The volume still has snapshots.</summary>
    public const string VolumeHasSnapshots = nameof(VolumeHasSnapshots);
    /// <summary>The backend still has volumes.</summary>
    public const string BackendHasVolumes = nameof(BackendHasVolumes);
    /// <summary>A name breaks the naming rules (length, characters, path escapes).</summary>
    public const string InvalidName = nameof(InvalidName);
    /// <summary>An argument other than a name is out of range or malformed.</summary>
    public const string InvalidArgument = nameof(InvalidArgument);
    /// <summary>The object already exists.</summary>
    public const string AlreadyExists = nameof(AlreadyExists);
    /// <summary>The object is not in a state that allows the operation (a snapshot still Creating, say).</summary>
    public const string InvalidState = nameof(InvalidState);
    /// <summary>Driver properties failed validation; the message has one line per problem.</summary>
    public const string PropertyValidationFailed = nameof(PropertyValidationFailed);
    /// <summary>The driver lacks the capability the operation needs and there is no generic fallback.</summary>
    public const string CapabilityNotSupported = nameof(CapabilityNotSupported);
    /// <summary>The driver (or the storage under it) failed; the message carries its words.</summary>
    public const string DriverFailed = nameof(DriverFailed);
    /// <summary>No copy matches.</summary>
    public const string CopyNotFound = nameof(CopyNotFound);
    /// <summary>A copy on secondary storage failed verification.</summary>
    public const string CopyCorrupt = nameof(CopyCorrupt);
    /// <summary>No snapshot policy of that name exists.</summary>
    public const string PolicyNotFound = nameof(PolicyNotFound);
    /// <summary>No secondary storage of that name is registered.</summary>
    public const string SecondaryStorageNotFound = nameof(SecondaryStorageNotFound);
    /// <summary>
    /// Secondary storage (a copy repository) failed: full, permission denied, gone, or of a newer format than
    /// this module reads. The message names the path and the cause; nothing was committed.
    /// </summary>
    public const string SecondaryStorageFailed = nameof(SecondaryStorageFailed);
    /// <summary>The inventory could not be opened or is of a newer schema than this module.</summary>
    public const string InventoryUnavailable = nameof(InventoryUnavailable);
    /// <summary>
    /// A secret backend property cannot be decrypted: the key it was protected with is not this user's (another
    /// user or host, a replaced or deleted key file). The message names the backend and the key; set the property
    /// again (Set-StorageBackend -Credential).
    /// </summary>
    public const string SecretUnavailable = nameof(SecretUnavailable);
    /// <summary>The operation was cancelled (Ctrl+C) before it finished; nothing was left half-done.</summary>
    public const string OperationCancelled = nameof(OperationCancelled);
    /// <summary>
    /// The cmdlets' record for Ctrl+C during an operation that had started (a copy, a restore): the engine's
    /// OperationCancelled message — what was stopped, what was kept — and how to resume as its recommended action.
    /// </summary>
    public const string OperationStopped = nameof(OperationStopped);
    /// <summary>An operation id that is not in the journal (Get-StorageOperation -Id, Repair-StorageOperation).</summary>
    public const string OperationNotFound = nameof(OperationNotFound);
}
