namespace StorageSnapshot.Engine.Inventory;

// Secondary storages and snapshot copies.
internal partial interface IInventoryReader
{
    /// <summary>The secondary storage of that name, or null.</summary>
    Task<SecondaryStorage?> GetSecondaryStorageAsync(string name, CancellationToken cancellationToken);

    /// <summary>All secondary storages, by name.</summary>
    Task<IReadOnlyList<SecondaryStorage>> ListSecondaryStoragesAsync(CancellationToken cancellationToken);

    /// <summary>The copy with that id, or null.</summary>
    Task<SnapshotCopy?> GetCopyAsync(string id, CancellationToken cancellationToken);

    /// <summary>Copies matching the query, oldest first.</summary>
    Task<IReadOnlyList<SnapshotCopy>> ListCopiesAsync(CopyQuery query, CancellationToken cancellationToken);
}

internal partial interface IInventoryTransaction
{
    /// <summary>Adds a secondary storage (AlreadyExists when the name is taken).</summary>
    Task InsertSecondaryStorageAsync(SecondaryStorage storage, CancellationToken cancellationToken);

    /// <summary>Removes a secondary storage; refuses while copies on it are recorded.</summary>
    Task DeleteSecondaryStorageAsync(string name, CancellationToken cancellationToken);

    /// <summary>Adds a copy record (its destination must exist).</summary>
    Task InsertCopyAsync(SnapshotCopy copy, CancellationToken cancellationToken);

    /// <summary>Replaces a copy record's state and figures (matched by id).</summary>
    Task UpdateCopyAsync(SnapshotCopy copy, CancellationToken cancellationToken);

    /// <summary>Removes a copy record.</summary>
    Task DeleteCopyAsync(string id, CancellationToken cancellationToken);
}

/// <summary>Filters for <see cref="IInventoryReader.ListCopiesAsync"/>; null members do not filter.</summary>
internal sealed record CopyQuery
{
    /// <summary>Only these copy ids.</summary>
    public IReadOnlyCollection<string>? Ids { get; init; }

    /// <summary>Only copies of these snapshot ids.</summary>
    public IReadOnlyCollection<string>? SnapshotIds { get; init; }

    /// <summary>Only copies of this volume id.</summary>
    public string? VolumeId { get; init; }

    /// <summary>Only copies on these secondary storages.</summary>
    public IReadOnlyCollection<string>? Destinations { get; init; }

    /// <summary>Only copies in these states.</summary>
    public IReadOnlyCollection<CopyState>? States { get; init; }
}
