namespace StorageSnapshot.Engine.Facade;

/// <summary>
/// Register-StorageBackend. <see cref="Credential"/> fills the properties the driver maps a credential to (its user
/// name and its secret: <see cref="CredentialPart"/>); those may not be given in <see cref="Properties"/> as well.
/// </summary>
public sealed record RegisterBackendRequest(string Name, string Driver, IReadOnlyDictionary<string, object?>? Properties)
{
    /// <summary>-Credential: a user name and a secret.</summary>
    public BackendCredential? Credential { get; init; }
}

/// <summary>
/// A user name and a secret (from a PSCredential). Its text form never shows the secret, so logging a request
/// that carries one cannot leak it.
/// </summary>
public sealed record BackendCredential(string UserName, string Secret)
{
    /// <inheritdoc />
    public override string ToString() => $"{UserName} / {SecretText.Masked}";
}

/// <summary>
/// Set-StorageBackend. Null members are left as they are; <see cref="Properties"/> merge over the existing ones
/// (a null value removes an optional property).
/// </summary>
public sealed record SetBackendRequest(string Name)
{
    /// <summary>Properties to change.</summary>
    public IReadOnlyDictionary<string, object?>? Properties { get; init; }

    /// <summary>-Credential: new values for the properties the driver fills from a credential.</summary>
    public BackendCredential? Credential { get; init; }

    /// <summary>Switch maintenance mode on or off.</summary>
    public bool? MaintenanceMode { get; init; }

    /// <summary>Why (kept while in maintenance, shown in refusals).</summary>
    public string? Reason { get; init; }
}

/// <summary>
/// Names a volume: by <see cref="Id"/>, or by <see cref="Name"/> with an optional <see cref="Backend"/>
/// (a name found on several backends without one is an InvalidArgument error asking for -Backend).
/// </summary>
public sealed record VolumeSelector(string? Id = null, string? Backend = null, string? Name = null)
{
    /// <summary>Selects a known volume by id.</summary>
    public static VolumeSelector Of(Volume volume) => new(Id: volume.Id);

    /// <inheritdoc />
    public override string ToString() => Id ?? (Backend is null ? Name ?? "" : $"{Backend}/{Name}");
}

/// <summary>
/// Names a snapshot: by <see cref="Id"/>, or by <see cref="Name"/> within a volume (given by name with an
/// optional backend).
/// </summary>
public sealed record SnapshotSelector(string? Id = null, string? Backend = null, string? Volume = null, string? Name = null)
{
    /// <summary>Selects a known snapshot by id.</summary>
    public static SnapshotSelector Of(Snapshot snapshot) => new(Id: snapshot.Id);

    /// <inheritdoc />
    public override string ToString() => Id ?? $"{Backend}/{Volume}/{Name}".TrimStart('/');
}

/// <summary>Get-StorageVolume: name patterns (wildcards) and backend names; null means all.</summary>
public sealed record VolumeFilter(IReadOnlyList<string>? Names = null, IReadOnlyList<string>? Backends = null, IReadOnlyList<string>? Ids = null);

/// <summary>New-StorageVolume (empty volume).</summary>
public sealed record NewVolumeRequest(string Backend, string Name, long SizeBytes);

/// <summary>New-StorageVolume -FromSnapshot (clone). The clone lands on the snapshot's backend.</summary>
public sealed record CloneVolumeRequest(string Name, SnapshotSelector Source);

/// <summary>Remove-StorageVolume. <see cref="IncludeSnapshots"/> deletes its snapshots first instead of refusing with VolumeHasSnapshots.</summary>
public sealed record RemoveVolumeRequest(VolumeSelector Volume, bool IncludeSnapshots = false);

/// <summary>New-StorageSnapshot.</summary>
public sealed record NewSnapshotRequest(VolumeSelector Volume)
{
    /// <summary>Name, unique per volume; default: volume name + UTC timestamp.</summary>
    public string? Name { get; init; }

    /// <summary>Free text.</summary>
    public string? Description { get; init; }

    /// <summary>Tags.</summary>
    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    /// <summary>Expiry (any kind; stored as UTC). Must be in the future.</summary>
    public DateTime? ExpiresAt { get; init; }

    /// <summary>Idempotency token: a repeated create with the same token on the same volume returns the first snapshot.</summary>
    public string? ClientToken { get; init; }
}

/// <summary>
/// Get-StorageSnapshot. Null members do not filter. Name patterns support wildcards; a plain name (or an id)
/// that matches nothing is reported as SnapshotNotFound through the output sink, and the rest is returned.
/// </summary>
public sealed record SnapshotFilter
{
    /// <summary>Snapshot name patterns.</summary>
    public IReadOnlyList<string>? Names { get; init; }

    /// <summary>Snapshot ids.</summary>
    public IReadOnlyList<string>? Ids { get; init; }

    /// <summary>Volume name patterns.</summary>
    public IReadOnlyList<string>? Volumes { get; init; }

    /// <summary>
    /// Volume ids (volume objects given to -Volume). With <see cref="Volumes"/> too, snapshots of a volume named by
    /// either are returned; an id that matches no volume is reported as VolumeNotFound.
    /// </summary>
    public IReadOnlyList<string>? VolumeIds { get; init; }

    /// <summary>Backend name patterns.</summary>
    public IReadOnlyList<string>? Backends { get; init; }

    /// <summary>Every tag given must be present with an equal value (case-insensitive; value "*" matches any).</summary>
    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    /// <summary>Only these states.</summary>
    public IReadOnlyList<SnapshotState>? States { get; init; }
}

/// <summary>Set-StorageSnapshot. Null members are left as they are.</summary>
public sealed record SetSnapshotRequest(SnapshotSelector Snapshot)
{
    /// <summary>New name (unique per volume).</summary>
    public string? NewName { get; init; }

    /// <summary>New description.</summary>
    public string? Description { get; init; }

    /// <summary>Tags to set or replace (a null value removes the tag).</summary>
    public IReadOnlyDictionary<string, string?>? Tags { get; init; }

    /// <summary>New expiry.</summary>
    public DateTime? ExpiresAt { get; init; }

    /// <summary>Remove the expiry.</summary>
    public bool ClearExpiry { get; init; }
}

