namespace StorageSnapshot.Engine.Secondary.Repository;

/// <summary>
/// One kind of place where repositories live — a filesystem directory (<see cref="SecondaryStorageKind.FileSystem"/>), an S3 bucket
/// (<see cref="SecondaryStorageKind.S3"/>) — and how to look at, create and open a repository there. The engine reaches repositories only through
/// the kind registered under <see cref="SecondaryStorage.Kind"/> in <see cref="ChunkStoreRegistry"/>, and works
/// with them only through <see cref="IChunkStore"/>. Where a repository is, is a location string whose form is
/// the kind's own (an absolute path; <c>http(s)://host/bucket/prefix</c>). What else a kind needs to reach the place
/// (S3: region, addressing, credentials) are its properties (<see cref="SecondaryStorage.Properties"/>); the members
/// taking properties have defaults for kinds that take none, so such kinds implement only the location-based ones.
/// </summary>
internal interface IChunkStoreKind
{
    /// <summary>The kind, as <see cref="SecondaryStorage.Kind"/> records it.</summary>
    SecondaryStorageKind Kind { get; }

    /// <summary>
    /// Checks a location given for a new registration and returns it in canonical form (so that two spellings of
    /// one place compare equal). Throws <see cref="ValidationException"/> (InvalidArgument) naming the problem.
    /// </summary>
    string CanonicalLocation(string? location, string storageName);

    /// <summary>True when two canonical locations are the same place.</summary>
    bool SameLocation(string a, string b);

    /// <summary>
    /// What registering <paramref name="location"/> would find, changing nothing: the format of the repository
    /// there, or null when a new one would be created. Throws the error registering would raise otherwise.
    /// </summary>
    Task<RepositoryFormat?> InspectAsync(string location, bool createMissing, CancellationToken cancellationToken);

    /// <summary>
    /// Opens the repository at <paramref name="location"/>, creating one with <paramref name="newRepository"/>'s
    /// settings when there is none (and, with <paramref name="createMissing"/>, the place itself).
    /// </summary>
    Task<IChunkStore> OpenOrCreateAsync(string location, RepositoryFormat newRepository, bool createMissing, CancellationToken cancellationToken);

    /// <summary>
    /// Opens the repository of a registered secondary storage; refuses a location that now holds another
    /// repository than the one registered there, or none.
    /// </summary>
    Task<IChunkStore> OpenAsync(SecondaryStorage storage, CancellationToken cancellationToken);

    /// <summary>One sentence per problem with the properties given for a new registration; a kind without properties refuses any.</summary>
    IReadOnlyList<string> CheckProperties(IReadOnlyDictionary<string, string> properties, string storageName) =>
        properties.Count == 0 ? [] : [$"Secondary storage of kind {Kind} takes no properties (got {string.Join(", ", properties.Keys)})."];

    /// <summary>The properties as the inventory stores them: secret ones protected (never stored or shown in clear).</summary>
    IReadOnlyDictionary<string, string> ProtectProperties(string storageName, IReadOnlyDictionary<string, string> properties) => properties;

    /// <summary><see cref="InspectAsync(string, bool, CancellationToken)"/> with the place's properties (clear).</summary>
    Task<RepositoryFormat?> InspectAsync(string location, IReadOnlyDictionary<string, string> properties, bool createMissing, CancellationToken cancellationToken) =>
        InspectAsync(location, createMissing, cancellationToken);

    /// <summary><see cref="OpenOrCreateAsync(string, RepositoryFormat, bool, CancellationToken)"/> with the place's properties (clear).</summary>
    Task<IChunkStore> OpenOrCreateAsync(string location, IReadOnlyDictionary<string, string> properties, RepositoryFormat newRepository, bool createMissing,
        CancellationToken cancellationToken) =>
        OpenOrCreateAsync(location, newRepository, createMissing, cancellationToken);
}
