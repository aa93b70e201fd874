namespace StorageSnapshot.Engine.Secondary.Repository;

/// <summary>
/// Repositories in a directory — a local disk or a mounted NFS/SMB share (<see cref="FileSystemChunkStore"/>).
/// The location is the directory's absolute path.
/// </summary>
internal sealed class FileSystemChunkStoreKind : IChunkStoreKind
{
    /// <inheritdoc />
    public SecondaryStorageKind Kind => SecondaryStorageKind.FileSystem;

    /// <inheritdoc />
    public string CanonicalLocation(string? location, string storageName)
    {
        if (string.IsNullOrWhiteSpace(location) || !Path.IsPathFullyQualified(location))
        {
            throw new ValidationException(ErrorIds.InvalidArgument,
                $"The path of secondary storage '{storageName}' must be an absolute path (got '{location}').", location);
        }
        return Path.TrimEndingDirectorySeparator(Path.GetFullPath(location));
    }

    /// <inheritdoc />
    public bool SameLocation(string a, string b) =>
        string.Equals(Path.TrimEndingDirectorySeparator(a), Path.TrimEndingDirectorySeparator(b),
            OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    /// <inheritdoc />
    public Task<RepositoryFormat?> InspectAsync(string location, bool createMissing, CancellationToken cancellationToken) =>
        FileSystemChunkStore.InspectAsync(location, createMissing, cancellationToken);

    /// <inheritdoc />
    public async Task<IChunkStore> OpenOrCreateAsync(string location, RepositoryFormat newRepository, bool createMissing, CancellationToken cancellationToken) =>
        await FileSystemChunkStore.OpenOrCreateAsync(location, newRepository, cancellationToken, createMissing).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<IChunkStore> OpenAsync(SecondaryStorage storage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(storage);
        return await FileSystemChunkStore.OpenAsync(storage.Path, cancellationToken, storage.RepositoryId).ConfigureAwait(false);
    }
}
