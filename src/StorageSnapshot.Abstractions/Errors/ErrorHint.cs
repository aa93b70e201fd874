namespace StorageSnapshot;

/// <summary>
/// What the user can do about an error, said as an action in the engine's own terms. The engine names no front
/// end's commands or parameters: each front end words a hint its own way (the cmdlets as a PowerShell command
/// line, in the error record's RecommendedAction). Codes are public contract like error ids: never renumber or
/// rename one.
/// </summary>
public enum HintCode
{
    /// <summary>Wait for the backend's maintenance to end, or switch maintenance mode off. Arguments: Backend.</summary>
    EndMaintenance,
    /// <summary>Set the backend's secret properties again as this user. Arguments: Backend.</summary>
    SetSecretsAgain,
    /// <summary>Choose a smaller volume size or another backend. No arguments.</summary>
    ChooseSmallerVolume,
    /// <summary>Name the backend of a volume whose name several backends have. Arguments: Volume.</summary>
    NameTheBackend,
    /// <summary>Name the volume (or the id) of a snapshot whose name several volumes have. Arguments: Snapshot.</summary>
    NameTheVolume,
    /// <summary>Name the copies' destination and free their space again once the running copies end. Arguments: Destination.</summary>
    RetryFailedCopiesRemoval,
    /// <summary>Restore the copy into a new volume instead. Arguments: CopyId.</summary>
    RestoreIntoNewVolume,
    /// <summary>A maintenance reason needs maintenance mode switched on with it. Arguments: Backend.</summary>
    MaintenanceModeForReason,
    /// <summary>Give a new expiry or clear the expiry, not both. No arguments.</summary>
    ExpiryOrClearExpiry,
    /// <summary>Move a backend's data by restoring copies onto a new backend, or remove its volumes first. Arguments: Backend.</summary>
    MoveBackendData,
    /// <summary>Fix the backend's properties; the driver's schema lists them. Arguments: Backend, Driver.</summary>
    FixBackendProperties,
    /// <summary>Free space on secondary storage at once by removing failed copies and unreferenced chunks. Arguments: Destination.</summary>
    FreeSecondaryStorageSpace,
    /// <summary>Check the path, or have the repository directory created. Arguments: Path.</summary>
    CreateRepositoryDirectory,
    /// <summary>Choose an empty directory, or a new one to be created. Arguments: Path.</summary>
    ChooseEmptyRepositoryDirectory,
    /// <summary>Run the same copy again: it resumes and reuses what was stored. Arguments: Snapshot, Volume, Destination, CopyId.</summary>
    RerunCopy,
    /// <summary>Run the same in-place restore again. Arguments: Volume, Backend, CopyId, Snapshot, Destination.</summary>
    RerunRestoreInPlace,
    /// <summary>Run the same restore into a new volume again. Arguments: Volume (the new name), CopyId, Snapshot, Destination.</summary>
    RerunRestoreIntoNewVolume,
    /// <summary>Remove the volume's snapshots first, or remove them with the volume. Arguments: Volume.</summary>
    IncludeSnapshots,
    /// <summary>Remove the clones that depend on the snapshot, then try again. Arguments: Names (comma-separated volume names).</summary>
    RemoveClones,
    /// <summary>Remove the failed snapshot to retry with the same client token, or use a new token. Arguments: SnapshotId.</summary>
    RemoveFailedSnapshot,
    /// <summary>Remove the copies recorded on a secondary storage before unregistering it. Arguments: Destination.</summary>
    RemoveCopiesFirst,
    /// <summary>Remove the copy again: that finishes a removal that was stopped, or retries once a running copy of its snapshot has ended. Arguments: CopyId.</summary>
    RerunCopyRemoval,
}

/// <summary>The argument names hints use (<see cref="ErrorHint.Arguments"/>).</summary>
public static class HintArgument
{
    /// <summary>A backend name.</summary>
    public const string Backend = nameof(Backend);
    /// <summary>A volume name.</summary>
    public const string Volume = nameof(Volume);
    /// <summary>A snapshot name.</summary>
    public const string Snapshot = nameof(Snapshot);
    /// <summary>A snapshot id.</summary>
    public const string SnapshotId = nameof(SnapshotId);
    /// <summary>A secondary storage name.</summary>
    public const string Destination = nameof(Destination);
    /// <summary>A copy id.</summary>
    public const string CopyId = nameof(CopyId);
    /// <summary>A driver name.</summary>
    public const string Driver = nameof(Driver);
    /// <summary>A file-system path.</summary>
    public const string Path = nameof(Path);
    /// <summary>Several names, comma-separated.</summary>
    public const string Names = nameof(Names);
}

/// <summary>A structured hint: a <see cref="HintCode"/> and its named arguments. Made with the factory methods, which fix the argument names.</summary>
public sealed record ErrorHint
{
    /// <summary>Creates a hint.</summary>
    public ErrorHint(HintCode code, IReadOnlyDictionary<string, string>? arguments = null)
    {
        Code = code;
        Arguments = arguments ?? new Dictionary<string, string>(StringComparer.Ordinal);
    }

    /// <summary>What to do.</summary>
    public HintCode Code { get; }

    /// <summary>Its arguments by name (<see cref="HintArgument"/>).</summary>
    public IReadOnlyDictionary<string, string> Arguments { get; }

    /// <summary>The argument <paramref name="name"/>; a hint made without it is a bug.</summary>
    public string Argument(string name) =>
        Arguments.TryGetValue(name, out var value) ? value : throw new KeyNotFoundException($"Hint {Code} was made without its argument '{name}'.");

    /// <summary>The same hint with every argument passed through <paramref name="transform"/> (masking secrets, say).</summary>
    public ErrorHint WithArguments(Func<string, string> transform)
    {
        ArgumentNullException.ThrowIfNull(transform);
        return new ErrorHint(Code, Arguments.ToDictionary(p => p.Key, p => transform(p.Value), StringComparer.Ordinal));
    }

    /// <summary>Equal when the codes and every argument are.</summary>
    public bool Equals(ErrorHint? other) =>
        other is not null && Code == other.Code && Arguments.Count == other.Arguments.Count
        && Arguments.All(p => other.Arguments.TryGetValue(p.Key, out var value) && value == p.Value);

    /// <inheritdoc />
    public override int GetHashCode() =>
        Arguments.OrderBy(p => p.Key, StringComparer.Ordinal).Aggregate(Code.GetHashCode(), (hash, p) => HashCode.Combine(hash, p.Key, p.Value));

    /// <inheritdoc />
    public override string ToString() =>
        Arguments.Count == 0 ? Code.ToString() : $"{Code}({string.Join(", ", Arguments.Select(p => $"{p.Key}={p.Value}"))})";

    private static ErrorHint Of(HintCode code, params (string Name, string Value)[] arguments) =>
        new(code, arguments.ToDictionary(a => a.Name, a => a.Value, StringComparer.Ordinal));

    /// <summary><see cref="HintCode.EndMaintenance"/>.</summary>
    public static ErrorHint EndMaintenance(string backend) => Of(HintCode.EndMaintenance, (HintArgument.Backend, backend));
    /// <summary><see cref="HintCode.SetSecretsAgain"/>.</summary>
    public static ErrorHint SetSecretsAgain(string backend) => Of(HintCode.SetSecretsAgain, (HintArgument.Backend, backend));
    /// <summary><see cref="HintCode.ChooseSmallerVolume"/>.</summary>
    public static ErrorHint ChooseSmallerVolume() => Of(HintCode.ChooseSmallerVolume);
    /// <summary><see cref="HintCode.NameTheBackend"/>.</summary>
    public static ErrorHint NameTheBackend(string volume) => Of(HintCode.NameTheBackend, (HintArgument.Volume, volume));
    /// <summary><see cref="HintCode.NameTheVolume"/>.</summary>
    public static ErrorHint NameTheVolume(string snapshot) => Of(HintCode.NameTheVolume, (HintArgument.Snapshot, snapshot));
    /// <summary><see cref="HintCode.RetryFailedCopiesRemoval"/>.</summary>
    public static ErrorHint RetryFailedCopiesRemoval(string destination) => Of(HintCode.RetryFailedCopiesRemoval, (HintArgument.Destination, destination));
    /// <summary><see cref="HintCode.RestoreIntoNewVolume"/>.</summary>
    public static ErrorHint RestoreIntoNewVolume(string copyId) => Of(HintCode.RestoreIntoNewVolume, (HintArgument.CopyId, copyId));
    /// <summary><see cref="HintCode.MaintenanceModeForReason"/>.</summary>
    public static ErrorHint MaintenanceModeForReason(string backend) => Of(HintCode.MaintenanceModeForReason, (HintArgument.Backend, backend));
    /// <summary><see cref="HintCode.ExpiryOrClearExpiry"/>.</summary>
    public static ErrorHint ExpiryOrClearExpiry() => Of(HintCode.ExpiryOrClearExpiry);
    /// <summary><see cref="HintCode.MoveBackendData"/>.</summary>
    public static ErrorHint MoveBackendData(string backend) => Of(HintCode.MoveBackendData, (HintArgument.Backend, backend));
    /// <summary><see cref="HintCode.FixBackendProperties"/>.</summary>
    public static ErrorHint FixBackendProperties(string backend, string driver) =>
        Of(HintCode.FixBackendProperties, (HintArgument.Backend, backend), (HintArgument.Driver, driver));
    /// <summary><see cref="HintCode.FreeSecondaryStorageSpace"/>.</summary>
    public static ErrorHint FreeSecondaryStorageSpace(string destination) => Of(HintCode.FreeSecondaryStorageSpace, (HintArgument.Destination, destination));
    /// <summary><see cref="HintCode.CreateRepositoryDirectory"/>.</summary>
    public static ErrorHint CreateRepositoryDirectory(string path) => Of(HintCode.CreateRepositoryDirectory, (HintArgument.Path, path));
    /// <summary><see cref="HintCode.ChooseEmptyRepositoryDirectory"/>.</summary>
    public static ErrorHint ChooseEmptyRepositoryDirectory(string path) => Of(HintCode.ChooseEmptyRepositoryDirectory, (HintArgument.Path, path));
    /// <summary><see cref="HintCode.RerunCopy"/>.</summary>
    public static ErrorHint RerunCopy(string snapshot, string volume, string destination, string copyId) =>
        Of(HintCode.RerunCopy, (HintArgument.Snapshot, snapshot), (HintArgument.Volume, volume), (HintArgument.Destination, destination), (HintArgument.CopyId, copyId));
    /// <summary><see cref="HintCode.RerunRestoreInPlace"/>.</summary>
    public static ErrorHint RerunRestoreInPlace(string volume, string backend, string copyId, string snapshot, string destination) =>
        Of(HintCode.RerunRestoreInPlace, (HintArgument.Volume, volume), (HintArgument.Backend, backend), (HintArgument.CopyId, copyId),
            (HintArgument.Snapshot, snapshot), (HintArgument.Destination, destination));
    /// <summary><see cref="HintCode.RerunRestoreIntoNewVolume"/>.</summary>
    public static ErrorHint RerunRestoreIntoNewVolume(string volume, string copyId, string snapshot, string destination) =>
        Of(HintCode.RerunRestoreIntoNewVolume, (HintArgument.Volume, volume), (HintArgument.CopyId, copyId), (HintArgument.Snapshot, snapshot),
            (HintArgument.Destination, destination));
    /// <summary><see cref="HintCode.IncludeSnapshots"/>.</summary>
    public static ErrorHint IncludeSnapshots(string volume) => Of(HintCode.IncludeSnapshots, (HintArgument.Volume, volume));
    /// <summary><see cref="HintCode.RemoveClones"/>.</summary>
    public static ErrorHint RemoveClones(IEnumerable<string> volumes) => Of(HintCode.RemoveClones, (HintArgument.Names, string.Join(", ", volumes)));
    /// <summary><see cref="HintCode.RemoveFailedSnapshot"/>.</summary>
    public static ErrorHint RemoveFailedSnapshot(string snapshotId) => Of(HintCode.RemoveFailedSnapshot, (HintArgument.SnapshotId, snapshotId));
    /// <summary><see cref="HintCode.RemoveCopiesFirst"/>.</summary>
    public static ErrorHint RemoveCopiesFirst(string destination) => Of(HintCode.RemoveCopiesFirst, (HintArgument.Destination, destination));
    /// <summary><see cref="HintCode.RerunCopyRemoval"/>.</summary>
    public static ErrorHint RerunCopyRemoval(string copyId) => Of(HintCode.RerunCopyRemoval, (HintArgument.CopyId, copyId));
}
