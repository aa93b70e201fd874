namespace StorageSnapshot.Engine.Secondary.Repository;

/// <summary>
/// One kind of place where repositories live — a filesystem directory (<see cref="SecondaryStorageKind.FileSystem"/>) today, an S3 bucket
/// later — and how to look at, create and open a repository there. The engine reaches repositories only through
/// the kind registered under <see cref="SecondaryStorage.Kind"/> in <see cref="ChunkStoreRegistry"/>, and works
/// with them only through <see cref="IChunkStore"/>. Where a repository is, is a location string whose form is
/// the kind's own (an absolute path; a bucket URL later).
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
}
