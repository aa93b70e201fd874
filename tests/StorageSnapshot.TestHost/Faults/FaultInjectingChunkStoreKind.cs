using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Secondary;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.TestHost.Faults;

/// <summary>
/// The filesystem kind of secondary storage with every store it opens for an operation wrapped in a
/// <see cref="FaultInjectingChunkStore"/>: registered in <see cref="EngineOptions.ChunkStores"/> in place of the
/// real kind, which is how the fault suite reaches every repository call site. Registration (inspect, create)
/// passes straight through, as it did before the registry: the suite injects into operations, not registration.
/// </summary>
internal sealed class FaultInjectingChunkStoreKind : IChunkStoreKind
{
    private readonly IChunkStoreKind inner;
    private readonly FaultPlan plan;

    public FaultInjectingChunkStoreKind(IChunkStoreKind inner, FaultPlan plan)
    {
        this.inner = inner;
        this.plan = plan;
    }

    /// <summary>A registry whose only kind is the filesystem one behind <paramref name="plan"/>.</summary>
    public static ChunkStoreRegistry Registry(FaultPlan plan) => new ChunkStoreRegistry().Add(new FaultInjectingChunkStoreKind(new FileSystemChunkStoreKind(), plan));

    public SecondaryStorageKind Kind => inner.Kind;

    public string CanonicalLocation(string? location, string storageName) => inner.CanonicalLocation(location, storageName);

    public bool SameLocation(string a, string b) => inner.SameLocation(a, b);

    public Task<RepositoryFormat?> InspectAsync(string location, bool createMissing, CancellationToken cancellationToken) =>
        inner.InspectAsync(location, createMissing, cancellationToken);

    public Task<IChunkStore> OpenOrCreateAsync(string location, RepositoryFormat newRepository, bool createMissing, CancellationToken cancellationToken) =>
        inner.OpenOrCreateAsync(location, newRepository, createMissing, cancellationToken);

    public Task<IChunkStore> OpenAsync(SecondaryStorage storage, CancellationToken cancellationToken) =>
        FaultInjectingChunkStore.OpenAsync(plan, () => inner.OpenAsync(storage, cancellationToken), cancellationToken);
}
