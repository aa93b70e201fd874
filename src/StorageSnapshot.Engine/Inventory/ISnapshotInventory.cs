namespace StorageSnapshot.Engine.Inventory;

/// <summary>
/// The durable record of backends, volumes, snapshots, operations and events. SQLite by default
/// (<see cref="Sqlite.SqliteInventory"/>); PostgreSQL (<see cref="Postgres.PostgresInventory"/>) for inventories
/// shared by several hosts. Reads go straight to the store; every change a command makes goes through one
/// <see cref="IInventoryTransaction"/> so it is all-or-nothing.
/// </summary>
internal interface ISnapshotInventory : IInventoryReader, IAsyncDisposable
{
    /// <summary>
    /// Starts a write transaction. It takes the store's write lock at once (SQLite BEGIN IMMEDIATE), so two
    /// writers never deadlock on an upgrade. Disposing it without <see cref="IInventoryTransaction.CommitAsync"/>
    /// rolls everything back.
    /// </summary>
    Task<IInventoryTransaction> BeginAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Starts a write transaction whose reads decide its writes (a check, then the change it allows), for a caller
    /// that can run it again from the start: <see cref="InventoryRetry"/>. Where writers are serial already (SQLite's
    /// BEGIN IMMEDIATE) it is <see cref="BeginAsync"/>; PostgreSQL runs it SERIALIZABLE, and a conflict with a
    /// concurrent transaction fails it with an error <see cref="InventoryRetry.IsRetryable"/> recognises.
    /// </summary>
    Task<IInventoryTransaction> BeginSerializableAsync(CancellationToken cancellationToken) => BeginAsync(cancellationToken);

    /// <summary>Where it is (a file path, or a connection description without secrets).</summary>
    string Description { get; }
}

/// <summary>Queries. Names compare case-insensitively.</summary>
internal partial interface IInventoryReader
{
    /// <summary>The backend of that name, or null.</summary>
    Task<Backend?> GetBackendAsync(string name, CancellationToken cancellationToken);

    /// <summary>All backends, by name.</summary>
    Task<IReadOnlyList<Backend>> ListBackendsAsync(CancellationToken cancellationToken);

    /// <summary>The volume with that id, or null.</summary>
    Task<Volume?> GetVolumeAsync(string id, CancellationToken cancellationToken);

    /// <summary>The volume of that name on that backend, or null.</summary>
    Task<Volume?> FindVolumeAsync(string backend, string name, CancellationToken cancellationToken);

    /// <summary>Volumes on the given backends (all when null), by backend then name.</summary>
    Task<IReadOnlyList<Volume>> ListVolumesAsync(IReadOnlyCollection<string>? backends, CancellationToken cancellationToken);

    /// <summary>Volumes cloned from the snapshot.</summary>
    Task<IReadOnlyList<Volume>> ListClonesAsync(string snapshotId, CancellationToken cancellationToken);

    /// <summary>The snapshot with that id, or null.</summary>
    Task<Snapshot?> GetSnapshotAsync(string id, CancellationToken cancellationToken);

    /// <summary>The snapshot of that name on that volume, or null.</summary>
    Task<Snapshot?> FindSnapshotByNameAsync(string volumeId, string name, CancellationToken cancellationToken);

    /// <summary>The snapshot created on that volume with that client token, or null.</summary>
    Task<Snapshot?> FindSnapshotByClientTokenAsync(string volumeId, string clientToken, CancellationToken cancellationToken);

    /// <summary>Snapshots matching the query, oldest first. Must use indexes: one volume's list is a range scan.</summary>
    Task<IReadOnlyList<Snapshot>> ListSnapshotsAsync(SnapshotQuery query, CancellationToken cancellationToken);

    /// <summary>The operation with that id, or null.</summary>
    Task<Operation?> GetOperationAsync(string id, CancellationToken cancellationToken);

    /// <summary>Operations in the given states (all when null), optionally of one volume, oldest first.</summary>
    Task<IReadOnlyList<Operation>> ListOperationsAsync(IReadOnlyCollection<OperationState>? states, string? backend, string? volume, CancellationToken cancellationToken);

    /// <summary>Events after <paramref name="afterSequence"/>, oldest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<StorageEvent>> ListEventsAsync(long afterSequence, int limit, CancellationToken cancellationToken);
}

/// <summary>
/// One all-or-nothing set of changes. Reads inside it see its own writes. Insert of something whose key or
/// unique name exists throws <see cref="ConflictException"/> with ErrorIds.AlreadyExists.
/// Update and delete of something missing throw <see cref="ObjectNotFoundException"/>.
/// </summary>
internal partial interface IInventoryTransaction : IInventoryReader, IAsyncDisposable
{
    /// <summary>Adds a backend.</summary>
    Task InsertBackendAsync(Backend backend, CancellationToken cancellationToken);

    /// <summary>Replaces a backend's properties and maintenance fields (matched by name).</summary>
    Task UpdateBackendAsync(Backend backend, CancellationToken cancellationToken);

    /// <summary>Removes a backend.</summary>
    Task DeleteBackendAsync(string name, CancellationToken cancellationToken);

    /// <summary>Adds a volume.</summary>
    Task InsertVolumeAsync(Volume volume, CancellationToken cancellationToken);

    /// <summary>Replaces a volume's fields (matched by id).</summary>
    Task UpdateVolumeAsync(Volume volume, CancellationToken cancellationToken);

    /// <summary>Removes a volume.</summary>
    Task DeleteVolumeAsync(string id, CancellationToken cancellationToken);

    /// <summary>Adds a snapshot.</summary>
    Task InsertSnapshotAsync(Snapshot snapshot, CancellationToken cancellationToken);

    /// <summary>Replaces a snapshot's fields (matched by id).</summary>
    Task UpdateSnapshotAsync(Snapshot snapshot, CancellationToken cancellationToken);

    /// <summary>Removes a snapshot.</summary>
    Task DeleteSnapshotAsync(string id, CancellationToken cancellationToken);

    /// <summary>Adds an operation to the journal.</summary>
    Task InsertOperationAsync(Operation operation, CancellationToken cancellationToken);

    /// <summary>Replaces an operation's fields (matched by id).</summary>
    Task UpdateOperationAsync(Operation operation, CancellationToken cancellationToken);

    /// <summary>Appends an event; returns its sequence number.</summary>
    Task<long> AppendEventAsync(StorageEvent storageEvent, CancellationToken cancellationToken);

    /// <summary>Makes every change durable (synchronous=FULL) at once.</summary>
    Task CommitAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Filter for <see cref="IInventoryReader.ListSnapshotsAsync"/>. Null members do not filter. Name patterns and
/// tags are applied by the engine after the indexed part of the query.
/// </summary>
internal sealed record SnapshotQuery
{
    /// <summary>Only these snapshot ids.</summary>
    public IReadOnlyCollection<string>? Ids { get; init; }

    /// <summary>Only snapshots of these volume ids.</summary>
    public IReadOnlyCollection<string>? VolumeIds { get; init; }

    /// <summary>Only snapshots on these backends.</summary>
    public IReadOnlyCollection<string>? Backends { get; init; }

    /// <summary>Only snapshots in these states.</summary>
    public IReadOnlyCollection<SnapshotState>? States { get; init; }

    /// <summary>Only snapshots whose parent is this id.</summary>
    public string? ParentId { get; init; }

    /// <summary>Only snapshots that expire at or before this time (UTC).</summary>
    public DateTime? ExpiresAtOrBeforeUtc { get; init; }
}
