namespace StorageSnapshot.Drivers;

/// <summary>
/// A storage driver: the small contract every kind of primary storage implements (after the 2013 design:
/// create, snapshot, revert, clone, destroy, read, write, changed ranges). A driver is stateless; everything
/// about one device lives in the <see cref="IDriverBackend"/> it opens from a backend's validated properties.
/// </summary>
public interface IStorageDriver
{
    /// <summary>Registry name, description, declared capabilities and property schema.</summary>
    DriverDescriptor Descriptor { get; }

    /// <summary>
    /// Checks what cannot be checked by the schema alone (the directory exists and is writable, the pool
    /// answers). Returns one sentence per problem; empty when all is well. Must not change anything.
    /// </summary>
    Task<IReadOnlyList<string>> ValidateBackendAsync(IReadOnlyDictionary<string, string> properties, CancellationToken cancellationToken);

    /// <summary>
    /// Where a backend with these (validated) properties keeps its data, as a URI-like string whose '/'
    /// separated path nests: <c>file:///srv/volumes</c>, <c>rbd:pool/namespace</c>. The engine refuses a backend
    /// whose location equals, contains or lies inside another backend's, because two backends would then manage —
    /// and delete — the same objects. Null when the driver cannot tell (no overlap check is made).
    /// </summary>
    string? DataLocation(IReadOnlyDictionary<string, string> properties) => null;

    /// <summary>Opens a session on one backend. <paramref name="properties"/> have passed validation.</summary>
    Task<IDriverBackend> OpenBackendAsync(string backendName, IReadOnlyDictionary<string, string> properties, CancellationToken cancellationToken);
}

/// <summary>
/// One backend, opened. Every method is idempotent where it can be (deleting something already gone succeeds;
/// creating with a key that exists in full returns it) because recovery replays them after a crash.
/// Methods for capabilities that <see cref="Capabilities"/> does not include throw
/// <see cref="NotSupportedException"/>; the engine checks first and never calls them.
/// </summary>
public interface IDriverBackend : IAsyncDisposable
{
    /// <summary>
    /// What this backend can really do: the driver's declared capabilities narrowed by the device (the
    /// directory driver's ChangedRanges needs XFS or btrfs, for example).
    /// </summary>
    DriverCapabilities Capabilities { get; }

    /// <summary>
    /// What the device can tell, before anything is made, about creating a volume of <paramref name="sizeBytes"/>:
    /// problems that refuse it (a size above the largest file or LUN it takes) and warnings (more than its free
    /// space, thin provisioned). Must leave nothing behind. The engine asks before ShouldProcess, so a refusal costs
    /// no inventory row, journal entry or lock file. The default knows nothing against it.
    /// </summary>
    Task<CapacityCheck> CheckNewVolumeAsync(long sizeBytes, CancellationToken cancellationToken) => Task.FromResult(CapacityCheck.None);

    /// <summary>
    /// Creates an empty volume of <paramref name="sizeBytes"/>: it reads as zeros (a restore into a new volume
    /// relies on it and writes nothing where the copy holds zeros).
    /// </summary>
    Task<DriverObject> CreateVolumeAsync(string volumeName, long sizeBytes, CancellationToken cancellationToken);

    /// <summary>Deletes a volume. Succeeds if it is already gone.</summary>
    Task DeleteVolumeAsync(DriverObject volume, CancellationToken cancellationToken);

    /// <summary>
    /// Finds the volume this backend holds under <paramref name="volumeName"/> (the name given to
    /// <see cref="CreateVolumeAsync"/> or <see cref="CloneVolumeAsync"/>), or null when there is none. Recovery
    /// asks it for a volume that a failed create or clone may have left before its handle came back, so the engine
    /// never has to guess from the text of a <see cref="DriverObject.Reference"/>. Must not change anything; a
    /// half-written temporary object is not a volume.
    /// </summary>
    Task<DriverObject?> FindVolumeAsync(string volumeName, CancellationToken cancellationToken);

    /// <summary>
    /// Lists the volumes the device has (for drift and orphan detection), each with its <see cref="DriverObject.Name"/>
    /// (the name it was created under), so that an orphan can be adopted under that name.
    /// </summary>
    Task<IReadOnlyList<DriverObject>> ListVolumesAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Lists the snapshots the device holds of <paramref name="volume"/>, each with the key it was made with (the
    /// <c>snapshotKey</c> of <see cref="CreateSnapshotAsync"/>), for drift and orphan detection: a listed key the
    /// inventory does not know is an orphan. Lists whole snapshots only (like <see cref="FindSnapshotAsync"/>, never
    /// a half-made one), in no particular order; empty when the volume is gone. Must not change anything.
    /// The default throws <see cref="NotSupportedException"/>: the engine then reports that it could not look for
    /// orphan snapshots on the backend instead of reporting none.
    /// </summary>
    Task<IReadOnlyList<DriverSnapshot>> ListSnapshotsAsync(DriverObject volume, CancellationToken cancellationToken) =>
        throw new NotSupportedException("This driver cannot list the snapshots of a volume.");

    /// <summary>
    /// Takes a snapshot of <paramref name="volume"/>. <paramref name="snapshotKey"/> is the inventory id: the
    /// driver names the snapshot after it so that recovery can find (and remove) a half-made one.
    /// </summary>
    Task<DriverObject> CreateSnapshotAsync(DriverObject volume, string snapshotKey, CancellationToken cancellationToken);

    /// <summary>Finds the snapshot made with <paramref name="snapshotKey"/>, or null if there is none.</summary>
    Task<DriverObject?> FindSnapshotAsync(DriverObject volume, string snapshotKey, CancellationToken cancellationToken);

    /// <summary>Deletes a snapshot. Succeeds if it is already gone.</summary>
    Task DeleteSnapshotAsync(DriverObject snapshot, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the volume's contents with the snapshot's, atomically: on failure the volume is unchanged.
    /// </summary>
    Task RevertVolumeAsync(DriverObject volume, DriverObject snapshot, CancellationToken cancellationToken);

    /// <summary>Creates a new volume whose contents are the snapshot's.</summary>
    Task<DriverObject> CloneVolumeAsync(DriverObject snapshot, string newVolumeName, CancellationToken cancellationToken);

    /// <summary>Opens a snapshot for random-access reads (capability ReadSnapshot).</summary>
    Task<IBlockReader> OpenSnapshotReaderAsync(DriverObject snapshot, CancellationToken cancellationToken);

    /// <summary>
    /// The byte ranges whose contents may differ between <paramref name="older"/> and <paramref name="newer"/>
    /// (two snapshots of one volume), sorted and non-overlapping (capability ChangedRanges). A range may be
    /// reported changed when it is not; a changed range must never be left out.
    /// </summary>
    Task<IReadOnlyList<ByteRange>> GetChangedRangesAsync(DriverObject older, DriverObject newer, CancellationToken cancellationToken);

    /// <summary>Opens a volume for random-access writes (capability WriteVolume).</summary>
    Task<IBlockWriter> OpenVolumeWriterAsync(DriverObject volume, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the work in progress an interrupted call left (temporary files, half-copied images) for the volume
    /// named <paramref name="volumeName"/> and for its snapshots keyed <paramref name="snapshotKeys"/>; never a whole
    /// volume or snapshot. Returns how many it deleted. Called by a repair, under the volume's lock, once the entry's
    /// work is settled. Default: nothing to delete (a driver whose calls leave nothing behind).
    /// </summary>
    Task<int> DeleteLeftoversAsync(string volumeName, IReadOnlyCollection<string> snapshotKeys, CancellationToken cancellationToken) => Task.FromResult(0);

    /// <summary>
    /// Lists the work in progress interrupted calls left on the backend (what <see cref="DeleteLeftoversAsync"/>
    /// deletes), each naming the volume — and the snapshot key, when it was work on a snapshot — it belongs to, for
    /// drift detection. Work of a call still running is listed too: the engine asks only for volumes whose lock is
    /// free. Must not change anything. Default: nothing (a driver whose calls leave nothing behind).
    /// </summary>
    Task<IReadOnlyList<DriverLeftover>> ListLeftoversAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<DriverLeftover>>(Array.Empty<DriverLeftover>());
}

/// <summary>A snapshot as the device lists it: the key it was made with and the object.</summary>
/// <param name="Key">The <c>snapshotKey</c> given to <see cref="IDriverBackend.CreateSnapshotAsync"/> (the inventory id).</param>
/// <param name="Snapshot">The snapshot, as <see cref="IDriverBackend.FindSnapshotAsync"/> returns it.</param>
public sealed record DriverSnapshot(string Key, DriverObject Snapshot);

/// <summary>Work in progress an interrupted call left (a temporary file, a half-made image).</summary>
/// <param name="Location">Where it is (a path, an image name), for the report.</param>
/// <param name="VolumeName">The volume it was work on: <see cref="IDriverBackend.DeleteLeftoversAsync"/> takes this name.</param>
/// <param name="SnapshotKey">The snapshot key it was work on, or null for work on the volume itself.</param>
public sealed record DriverLeftover(string Location, string VolumeName, string? SnapshotKey);

/// <summary>
/// How a driver names one of its objects: its opaque <see cref="Reference"/> (what the engine stores and
/// hands back), its <see cref="Location"/> (the URI users and hypervisors see), its size and driver facts.
/// </summary>
public sealed record DriverObject
{
    /// <summary>The driver's handle, stored by the inventory and handed back unchanged.</summary>
    public required string Reference { get; init; }

    /// <summary>The URI of the data: a path, rbd:pool/image@snap, ....</summary>
    public required string Location { get; init; }

    /// <summary>Size in bytes.</summary>
    public long SizeBytes { get; init; }

    /// <summary>
    /// The name the object was created under (a volume's <c>volumeName</c>), when the driver says it: set by
    /// <see cref="IDriverBackend.ListVolumesAsync"/>; null elsewhere and from drivers that do not tell.
    /// </summary>
    public string? Name { get; init; }

    /// <summary>Facts worth recording (copyMethod=reflink, ...).</summary>
    public IReadOnlyDictionary<string, string> Details { get; init; } =
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
}

/// <summary>A half-open byte range [Offset, Offset + Length).</summary>
public readonly record struct ByteRange(long Offset, long Length)
{
    /// <summary>First byte after the range.</summary>
    public long End => Offset + Length;
}

/// <summary>Positional, thread-safe reads of a snapshot's bytes. Reads past the end return 0.</summary>
public interface IBlockReader : IDisposable
{
    /// <summary>Size in bytes.</summary>
    long Length { get; }

    /// <summary>Reads up to buffer.Length bytes at <paramref name="offset"/>; returns how many were read.</summary>
    ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken);

    /// <summary>
    /// Ranges that may hold data (everything else reads as zeros), when the device can tell; null when it
    /// cannot, in which case the whole length must be read.
    /// </summary>
    Task<IReadOnlyList<ByteRange>?> GetAllocatedRangesAsync(CancellationToken cancellationToken);
}

/// <summary>Positional, thread-safe writes to a volume. Nothing is durable until <see cref="FlushAsync"/>.</summary>
public interface IBlockWriter : IAsyncDisposable
{
    /// <summary>Size in bytes.</summary>
    long Length { get; }

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/>.</summary>
    ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Makes the range read as zeros (a hole where the device can).</summary>
    ValueTask ZeroAsync(long offset, long length, CancellationToken cancellationToken);

    /// <summary>Makes everything written durable.</summary>
    Task FlushAsync(CancellationToken cancellationToken);
}
