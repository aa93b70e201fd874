using StorageSnapshot.Engine.Secondary.Repository;
using StorageSnapshot.Engine.Secrets;

namespace StorageSnapshot.Engine.Secondary.S3;

/// <summary>
/// Repositories in an S3 bucket (<see cref="S3ChunkStore"/>). The location is <c>http(s)://host[:port]/bucket[/prefix]</c>;
/// the region, path-style addressing and the access key are properties (<see cref="S3Place"/>), the secret access key
/// stored protected by the engine's secret store, bound to the storage's name, and revealed only to open the store.
/// </summary>
internal sealed class S3ChunkStoreKind(ISecretStore secrets, S3LeaseTimings? timings = null) : IChunkStoreKind
{
    /// <inheritdoc />
    public SecondaryStorageKind Kind => SecondaryStorageKind.S3;

    /// <summary>What binds a protected secret to its storage and property (as <see cref="BackendSecrets.Purpose"/> does for backends).</summary>
    public static string Purpose(string storage, string property) =>
        $"storagesnapshot/secondary-storage/{storage.ToLowerInvariant()}/{property.ToLowerInvariant()}";

    /// <inheritdoc />
    public string CanonicalLocation(string? location, string storageName)
    {
        if (string.IsNullOrWhiteSpace(location) || !Uri.TryCreate(location, UriKind.Absolute, out var uri))
        {
            throw new ValidationException(ErrorIds.InvalidArgument,
                $"The location of S3 secondary storage '{storageName}' must be http(s)://host[:port]/bucket[/prefix] (got '{location}').", location);
        }
        var path = Uri.UnescapeDataString(uri.AbsolutePath).Trim('/');
        var slash = path.IndexOf('/');
        return S3Place.FormatLocation(uri.GetLeftPart(UriPartial.Authority), slash < 0 ? path : path[..slash], slash < 0 ? "" : path[(slash + 1)..], storageName);
    }

    /// <inheritdoc />
    public bool SameLocation(string a, string b) => string.Equals(a.TrimEnd('/'), b.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public IReadOnlyList<string> CheckProperties(IReadOnlyDictionary<string, string> properties, string storageName) =>
        S3Place.CheckProperties(properties, storageName);

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> ProtectProperties(string storageName, IReadOnlyDictionary<string, string> properties)
    {
        var stored = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in properties)
        {
            stored[name] = string.Equals(name, S3Place.SecretAccessKeyProperty, StringComparison.OrdinalIgnoreCase) && !ProtectedText.IsProtected(value)
                ? secrets.Protect(value, Purpose(storageName, name))
                : value;
        }
        return stored;
    }

    /// <inheritdoc />
    public Task<RepositoryFormat?> InspectAsync(string location, bool createMissing, CancellationToken cancellationToken) =>
        InspectAsync(location, new Dictionary<string, string>(), createMissing, cancellationToken);

    /// <inheritdoc />
    public Task<RepositoryFormat?> InspectAsync(string location, IReadOnlyDictionary<string, string> properties, bool createMissing, CancellationToken cancellationToken) =>
        S3ChunkStore.InspectAsync(S3Place.Parse(location, properties, location), cancellationToken);

    /// <inheritdoc />
    public Task<IChunkStore> OpenOrCreateAsync(string location, RepositoryFormat newRepository, bool createMissing, CancellationToken cancellationToken) =>
        OpenOrCreateAsync(location, new Dictionary<string, string>(), newRepository, createMissing, cancellationToken);

    /// <inheritdoc />
    public async Task<IChunkStore> OpenOrCreateAsync(string location, IReadOnlyDictionary<string, string> properties, RepositoryFormat newRepository, bool createMissing,
        CancellationToken cancellationToken) =>
        await S3ChunkStore.OpenAsync(S3Place.Parse(location, properties, location), newRepository, expectedId: null, timings, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<IChunkStore> OpenAsync(SecondaryStorage storage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(storage);
        return await S3ChunkStore.OpenAsync(S3Place.Parse(storage.Path, Reveal(storage), storage.Name), create: null, storage.RepositoryId, timings, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The storage's properties with the secret revealed; SecretUnavailable (naming the storage, never the value) when this user's key cannot open it.</summary>
    private Dictionary<string, string> Reveal(SecondaryStorage storage)
    {
        var clear = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in storage.Properties)
        {
            if (!ProtectedText.IsProtected(value))
            {
                clear[name] = value;
                continue;
            }
            try
            {
                clear[name] = secrets.Reveal(value, Purpose(storage.Name, name));
            }
            catch (SecretUnavailableException e)
            {
                throw new SecretUnavailableException($"The secret access key of secondary storage '{storage.Name}' cannot be used: {e.Message}", storage.Name)
                {
                    RecommendedAction = e.RecommendedAction ?? $"Register secondary storage '{storage.Name}' again as this user, with its credential.",
                };
            }
        }
        return clear;
    }
}
