namespace StorageSnapshot.Engine.Secondary.Repository;

/// <summary>
/// Opens the repository behind a registered secondary storage — the one way operations reach a repository, so
/// each of them checks that the directory still holds the repository that was registered there.
/// </summary>
internal static class RegisteredRepository
{
    /// <summary>Opens <paramref name="storage"/>'s repository; refuses a directory that now holds another one.</summary>
    public static async Task<IChunkStore> OpenAsync(SecondaryStorage storage, CancellationToken cancellationToken) =>
        await FileSystemChunkStore.OpenAsync(storage.Path, cancellationToken, storage.RepositoryId).ConfigureAwait(false);
}
