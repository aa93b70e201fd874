using StorageSnapshot.Engine.Secondary.Repository;
using StorageSnapshot.Engine.Secondary.S3;
using StorageSnapshot.Engine.Secrets;

namespace StorageSnapshot.Engine.Secondary;

/// <summary>
/// The kinds of secondary storage an engine knows (<see cref="SecondaryStorageKind"/>), as <see cref="Drivers.DriverRegistry"/>
/// knows drivers: built explicitly, so what is available is visible in code (<see cref="CreateDefault"/>), and
/// given to the engine through <see cref="Facade.EngineOptions.ChunkStores"/>. Every operation reaches a
/// repository through <see cref="OpenAsync"/>: the registered storage's kind opens it and checks that the place
/// still holds the repository that was registered there. It is the engine's one seam to repositories: the fault
/// suite registers a kind that wraps the filesystem one to fail its stores' calls.
/// </summary>
internal sealed class ChunkStoreRegistry
{
    private readonly Dictionary<SecondaryStorageKind, IChunkStoreKind> _kinds = new();

    /// <summary>
    /// The built-in kinds: repositories in a directory, and in an S3 bucket (whose secret access keys
    /// <paramref name="secrets"/> protects; without it, S3 storages cannot be registered or opened).
    /// </summary>
    public static ChunkStoreRegistry CreateDefault(ISecretStore? secrets = null)
    {
        var registry = new ChunkStoreRegistry().Add(new FileSystemChunkStoreKind());
        return secrets is null ? registry : registry.Add(new S3ChunkStoreKind(secrets));
    }

    /// <summary>Adds a kind; its name must be new.</summary>
    public ChunkStoreRegistry Add(IChunkStoreKind kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        if (!_kinds.TryAdd(kind.Kind, kind)) throw new InvalidOperationException($"The secondary storage kind {kind.Kind} is already registered.");
        return this;
    }

    /// <summary>The registered kind, or InvalidArgument listing the known ones.</summary>
    public IChunkStoreKind Get(SecondaryStorageKind kind) =>
        _kinds.TryGetValue(kind, out var found)
            ? found
            : throw new ValidationException(ErrorIds.InvalidArgument,
                $"This engine knows no secondary storage of kind {kind}. Known kinds: {string.Join(", ", _kinds.Keys.Order())}.", kind);

    /// <summary>Opens the repository behind a registered secondary storage (see <see cref="IChunkStoreKind.OpenAsync"/>).</summary>
    public Task<IChunkStore> OpenAsync(SecondaryStorage storage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(storage);
        return Get(storage.Kind).OpenAsync(storage, cancellationToken);
    }
}
