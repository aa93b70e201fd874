namespace StorageSnapshot;

/// <summary>What a driver can do. The engine checks these before every call and never silently no-ops.</summary>
[Flags]
public enum DriverCapabilities
{
    /// <summary>Nothing.</summary>
    None = 0,
    /// <summary>Create volumes.</summary>
    CreateVolume = 1 << 0,
    /// <summary>Take a snapshot of a volume.</summary>
    Snapshot = 1 << 1,
    /// <summary>Revert a volume to one of its snapshots.</summary>
    Revert = 1 << 2,
    /// <summary>Clone a new volume from a snapshot.</summary>
    Clone = 1 << 3,
    /// <summary>Delete snapshots and volumes.</summary>
    Delete = 1 << 4,
    /// <summary>Read a snapshot's bytes at any offset (needed by copy to secondary).</summary>
    ReadSnapshot = 1 << 5,
    /// <summary>Report the byte ranges that differ between two snapshots of one volume.</summary>
    ChangedRanges = 1 << 6,
    /// <summary>Write a volume's bytes at any offset (needed by restore from secondary).</summary>
    WriteVolume = 1 << 7,
    /// <summary>Snapshot several volumes at one instant.</summary>
    ConsistencyGroups = 1 << 8,
    /// <summary>Quiesce the writer before a snapshot.</summary>
    Quiesce = 1 << 9,
    /// <summary>Clones keep a dependency on their source snapshot (it cannot be deleted while they exist).</summary>
    ClonesDependOnSnapshot = 1 << 10,
    /// <summary>Reverting to a snapshot destroys the snapshots taken after it.</summary>
    RevertDestroysNewerSnapshots = 1 << 11,
}

/// <summary>Which part of a PSCredential (Register-/Set-StorageBackend -Credential) fills a driver property.</summary>
public enum CredentialPart
{
    /// <summary>Not filled from -Credential.</summary>
    None,
    /// <summary>The credential's user name (an account, an access key id, a Ceph client id).</summary>
    UserName,
    /// <summary>The credential's password (a password, a secret key, a Ceph key). Always a secret property.</summary>
    Password,
}

/// <summary>Type of a driver property value.</summary>
public enum PropertyType
{
    /// <summary>Free text.</summary>
    String,
    /// <summary>A 64-bit integer.</summary>
    Integer,
    /// <summary>true / false.</summary>
    Boolean,
    /// <summary>An absolute local path.</summary>
    Path,
    /// <summary>An absolute URI.</summary>
    Uri,
}

/// <summary>One entry of a driver's property schema, as shown by Get-StorageDriver.</summary>
public sealed record PropertyInfo
{
    /// <summary>Canonical name (matched case-insensitively).</summary>
    public required string Name { get; init; }

    /// <summary>Value type.</summary>
    public PropertyType Type { get; init; }

    /// <summary>Registration fails without it.</summary>
    public bool Required { get; init; }

    /// <summary>
    /// Never shown or logged in clear: stored encrypted at rest (see Register-StorageBackend -Credential), shown as
    /// "********", left out of messages, events and the journal.
    /// </summary>
    public bool Secret { get; init; }

    /// <summary>Which part of -Credential fills this property (None: it is given with -Property only).</summary>
    public CredentialPart Credential { get; init; }

    /// <summary>Used when the property is not given.</summary>
    public string? DefaultValue { get; init; }

    /// <summary>Says where the backend's data is: it cannot change while the backend has volumes.</summary>
    public bool LocatesData { get; init; }

    /// <summary>What it is for.</summary>
    public required string Description { get; init; }
}

/// <summary>A driver as Get-StorageDriver shows it.</summary>
public sealed record DriverInfo
{
    /// <summary>Registry name (for example "directory").</summary>
    public required string Name { get; init; }

    /// <summary>One-line description.</summary>
    public required string Description { get; init; }

    /// <summary>Everything the driver can do on a backend that supports it.</summary>
    public DriverCapabilities Capabilities { get; init; }

    /// <summary>The properties a backend of this driver takes.</summary>
    public IReadOnlyList<PropertyInfo> Properties { get; init; } = Array.Empty<PropertyInfo>();
}
