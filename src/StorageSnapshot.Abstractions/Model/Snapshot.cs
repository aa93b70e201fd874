using System.Diagnostics.CodeAnalysis;

namespace StorageSnapshot;

/// <summary>A point-in-time snapshot of one volume, kept on the same primary storage.</summary>
public sealed record Snapshot
{
    /// <summary>A record to fill with an object initializer (the required members named there).</summary>
    public Snapshot()
    {
    }

    /// <summary>The inventory's constructor: the id and name may not be decoded yet (see <see cref="DeferredText"/>).</summary>
    // The compiler cannot see that setting _id and _name sets Id and Name (never null here: both are NOT NULL).
#pragma warning disable CS8618
    [SetsRequiredMembers]
    internal Snapshot(DeferredText id, DeferredText name, string volumeId, string volume, string backend)
    {
        _id = id;
        _name = name;
        VolumeId = volumeId;
        Volume = volume;
        Backend = backend;
    }
#pragma warning restore CS8618

    /// <summary>Inventory id (stable, sortable by creation time).</summary>
    public required string Id { get => _id.Value!; init => _id = DeferredText.Of(value); }

    /// <summary>Name, unique per volume (case-insensitive).</summary>
    public required string Name { get => _name.Value!; init => _name = DeferredText.Of(value); }

    /// <summary>Inventory id of the volume.</summary>
    public required string VolumeId { get; init; }

    /// <summary>Name of the volume.</summary>
    public required string Volume { get; init; }

    /// <summary>Name of the backend.</summary>
    public required string Backend { get; init; }

    /// <summary>When the snapshot was taken (UTC).</summary>
    public DateTime CreatedUtc { get; init; }

    /// <summary>Size of the volume when the snapshot was taken, in bytes.</summary>
    public long SizeBytes { get; init; }

    /// <summary>Lifecycle state.</summary>
    public SnapshotState State { get; init; }

    /// <summary>Free text.</summary>
    public string? Description { get; init; }

    /// <summary>User tags (keys case-insensitive).</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = EmptyDictionary;

    /// <summary>When retention may delete it (UTC), if set.</summary>
    public DateTime? ExpiresUtc { get; init; }

    /// <summary>The caller's idempotency token: a repeated create with the same token returns this snapshot.</summary>
    public string? ClientToken { get => _clientToken.Value; init => _clientToken = DeferredText.Of(value); }

    /// <summary>Id of the snapshot this one's data descends from (see <see cref="StorageSnapshot.Volume.HeadSnapshotId"/>).</summary>
    public string? ParentId { get => _parentId.Value; init => _parentId = DeferredText.Of(value); }

    /// <summary>The driver's own handle for the snapshot.</summary>
    public string? DriverReference { get => _driverReference.Value; init => _driverReference = DeferredText.Of(value); }

    /// <summary>The driver's URI for the snapshot's data (file path, rbd:pool/image@snap).</summary>
    public string? Location { get => _location.Value; init => _location = DeferredText.Of(value); }

    /// <summary>Driver facts about how it was made (for example copyMethod=reflink).</summary>
    public IReadOnlyDictionary<string, string> Details { get; init; } = EmptyDictionary;

    /// <summary>Why the last operation failed, when <see cref="State"/> is Error.</summary>
    public string? ErrorMessage { get; init; }

    // Values a listing may hand over undecoded (see DeferredText): the inventory sets them through the internal
    // constructor and members below; everything else sees plain string properties.
    private DeferredText _id;
    private DeferredText _name;
    private DeferredText _clientToken;
    private DeferredText _driverReference;
    private DeferredText _location;
    private DeferredText _parentId;

    /// <summary><see cref="ClientToken"/>, possibly not decoded yet.</summary>
    internal DeferredText ClientTokenText { init => _clientToken = value; }

    /// <summary><see cref="DriverReference"/>, possibly not decoded yet.</summary>
    internal DeferredText DriverReferenceText { init => _driverReference = value; }

    /// <summary><see cref="Location"/>, possibly not decoded yet.</summary>
    internal DeferredText LocationText { init => _location = value; }

    /// <summary><see cref="ParentId"/>, possibly not decoded yet.</summary>
    internal DeferredText ParentIdText { init => _parentId = value; }

    private static readonly IReadOnlyDictionary<string, string> EmptyDictionary =
        new System.Collections.ObjectModel.ReadOnlyDictionary<string, string>(new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase));
}
