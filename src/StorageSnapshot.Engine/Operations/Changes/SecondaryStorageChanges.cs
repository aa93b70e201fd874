using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Operations.Journal;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Operations.Changes;

/// <summary>
/// Register-SecondaryStorage: the repository opened — or created, in an empty or new place — by its kind before
/// the transaction (<see cref="BeforeAsync"/>), then recorded with the settings the repository itself holds,
/// unless that repository or location was registered meanwhile. A repository created here stays if recording it
/// is refused: it is empty, and registering the place again adopts it.
/// </summary>
internal sealed class RegisterSecondaryStorageChange(string name, IChunkStoreKind kind, string location, IReadOnlyDictionary<string, string> properties,
    RepositoryFormat format, bool createDirectory)
    : InventoryChange<SecondaryStorage>
{
    private RepositoryFormat? opened;

    public override object TargetObject => name;

    public override async Task BeforeAsync(IOperationOutput output, CancellationToken cancellationToken)
    {
        await using var store = await kind.OpenOrCreateAsync(location, properties, format, createDirectory, cancellationToken).ConfigureAwait(false);
        opened = store.Format;
    }

    public override async Task<ChangeOutcome<SecondaryStorage>> ApplyAsync(IInventoryTransaction transaction, CancellationToken cancellationToken)
    {
        var repository = opened ?? throw new InvalidOperationException("The repository was not opened before it was recorded.");
        await SecondaryStorageRules.RequireRepositoryNotRegisteredAsync(transaction, kind, location, repository.Id, cancellationToken).ConfigureAwait(false);
        var storage = new SecondaryStorage
        {
            Name = name,
            Kind = kind.Kind,
            Path = location,
            RepositoryId = repository.Id,
            // Secret ones protected (bound to this storage's name): the clear values never reach the inventory.
            Properties = kind.ProtectProperties(name, properties),
            ChunkSizeBytes = repository.ChunkSize,
            Compression = repository.Compression,
            RegisteredUtc = DateTime.UtcNow,
        };
        await transaction.InsertSecondaryStorageAsync(storage, cancellationToken).ConfigureAwait(false);
        storage = await transaction.GetSecondaryStorageAsync(name, cancellationToken).ConfigureAwait(false) ?? storage; // as stored
        return new(storage, EventKind.SecondaryStorageRegistered, EventSubject.OfSecondaryStorage(storage.Name),
            $"Registered secondary storage '{storage.Name}' at {storage.Path} (repository {storage.RepositoryId}).");
    }
}

/// <summary>Unregister-SecondaryStorage: the record forgotten (its data is never touched); refused while copies on it are recorded.</summary>
internal sealed class UnregisterSecondaryStorageChange(SecondaryStorage storage) : InventoryChange<bool>
{
    public override object TargetObject => storage.Name;

    public override async Task<ChangeOutcome<bool>> ApplyAsync(IInventoryTransaction transaction, CancellationToken cancellationToken)
    {
        await transaction.DeleteSecondaryStorageAsync(storage.Name, cancellationToken).ConfigureAwait(false);
        return new(true, EventKind.SecondaryStorageUnregistered, EventSubject.OfSecondaryStorage(storage.Name),
            $"Unregistered secondary storage '{storage.Name}' at {storage.Path}; its data was not touched.");
    }
}

/// <summary>Rules of secondary-storage registration, checked before ShouldProcess and again in the change's transaction.</summary>
internal static class SecondaryStorageRules
{
    /// <summary>One repository, one registration: refuses a repository id or a location (of the same kind) that is already registered.</summary>
    public static async Task RequireRepositoryNotRegisteredAsync(IInventoryReader reader, IChunkStoreKind kind, string location, string? repositoryId,
        CancellationToken cancellationToken)
    {
        foreach (var other in await reader.ListSecondaryStoragesAsync(cancellationToken).ConfigureAwait(false))
        {
            var sameLocation = other.Kind == kind.Kind && kind.SameLocation(other.Path, location);
            var sameId = repositoryId is not null && string.Equals(other.RepositoryId, repositoryId, StringComparison.OrdinalIgnoreCase);
            if (sameLocation || sameId)
            {
                throw EngineErrors.AlreadyExists(
                    $"The repository at '{location}' is already registered as secondary storage '{other.Name}'" + (sameId && !sameLocation ? $" (same repository id {repositoryId}, at '{other.Path}')." : "."),
                    other.Name);
            }
        }
    }
}
