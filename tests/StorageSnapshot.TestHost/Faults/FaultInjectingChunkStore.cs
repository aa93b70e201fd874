using System.Runtime.CompilerServices;
using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.TestHost.Faults;

/// <summary>
/// The repository side of the fault suite: wraps the real store (a <see cref="FileSystemChunkStore"/>) and passes
/// every call through the <see cref="FaultPlan"/>, opening included. The engine gets it through its one seam to
/// repositories, the chunk-store registry (<see cref="FaultInjectingChunkStoreKind"/>). A fault here throws what the real store
/// throws when its disk or share fails: a SecondaryStorageFailed error.
/// </summary>
internal sealed class FaultInjectingChunkStore : IChunkStore
{
    private readonly IChunkStore inner;
    private readonly FaultPlan plan;

    private FaultInjectingChunkStore(IChunkStore inner, FaultPlan plan)
    {
        this.inner = inner;
        this.plan = plan;
    }

    /// <summary>Opens the real store through the plan (the opening is a call site too) and wraps it.</summary>
    internal static async Task<IChunkStore> OpenAsync(FaultPlan plan, Func<Task<IChunkStore>> open, CancellationToken cancellationToken)
    {
        var store = await Calls.RunAsync(plan, "Repository.Open", false, RepositoryError, open, cancellationToken).ConfigureAwait(false);
        return new FaultInjectingChunkStore(store, plan);
    }

    /// <summary>What a repository throws when its storage fails.</summary>
    internal static Exception RepositoryError(string message) =>
        new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.WriteError, message, "repository");

    public RepositoryFormat Format => inner.Format;

    public string Description => inner.Description;

    public Task<long> PutChunkIfAbsentAsync(string digest, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        Calls.RunAsync(plan, "Store.PutChunk", true, RepositoryError, () => inner.PutChunkIfAbsentAsync(digest, data, cancellationToken), cancellationToken);

    public Task<bool> ChunkExistsAsync(string digest, CancellationToken cancellationToken) =>
        Calls.RunAsync(plan, "Store.ChunkExists", true, RepositoryError, () => inner.ChunkExistsAsync(digest, cancellationToken), cancellationToken);

    public Task<int> ReadChunkAsync(string digest, Memory<byte> destination, CancellationToken cancellationToken) =>
        Calls.RunAsync(plan, "Store.ReadChunk", true, RepositoryError, () => inner.ReadChunkAsync(digest, destination, cancellationToken), cancellationToken);

    public async IAsyncEnumerable<StoredChunk> ListChunksAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var chunks = await Calls.RunAsync(plan, "Store.ListChunks", false, RepositoryError, async () =>
        {
            var all = new List<StoredChunk>();
            await foreach (var chunk in inner.ListChunksAsync(cancellationToken).ConfigureAwait(false)) all.Add(chunk);
            return all;
        }, cancellationToken).ConfigureAwait(false);
        foreach (var chunk in chunks) yield return chunk;
    }

    public Task DeleteChunkAsync(string digest, CancellationToken cancellationToken) =>
        Run("Store.DeleteChunk", () => inner.DeleteChunkAsync(digest, cancellationToken), cancellationToken);

    public Task<StagedChunkList> StageChunkListAsync(string copyId, long totalBytes, CancellationToken cancellationToken) =>
        Calls.RunAsync(plan, "Store.StageChunkList", false, RepositoryError, () => inner.StageChunkListAsync(copyId, totalBytes, cancellationToken), cancellationToken);

    public Task CommitManifestAsync(CopyManifest manifest, StagedChunkList chunks, CancellationToken cancellationToken) =>
        Run("Store.CommitManifest", () => inner.CommitManifestAsync(manifest, chunks, cancellationToken), cancellationToken);

    /// <summary>The call site is opening the list; its entries then stream from the real store.</summary>
    public async IAsyncEnumerable<ChunkRun> ReadChunkListAsync(string copyId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Run("Store.ReadChunkList", () => Task.CompletedTask, cancellationToken).ConfigureAwait(false);
        await foreach (var run in inner.ReadChunkListAsync(copyId, cancellationToken).ConfigureAwait(false)) yield return run;
    }

    public Task<CopyManifest> ReadManifestAsync(string copyId, CancellationToken cancellationToken) =>
        Calls.RunAsync(plan, "Store.ReadManifest", false, RepositoryError, () => inner.ReadManifestAsync(copyId, cancellationToken), cancellationToken);

    public Task<bool> ManifestExistsAsync(string copyId, CancellationToken cancellationToken) =>
        Calls.RunAsync(plan, "Store.ManifestExists", false, RepositoryError, () => inner.ManifestExistsAsync(copyId, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<string>> ListManifestsAsync(CancellationToken cancellationToken) =>
        Calls.RunAsync(plan, "Store.ListManifests", false, RepositoryError, () => inner.ListManifestsAsync(cancellationToken), cancellationToken);

    public Task DeleteManifestAsync(string copyId, CancellationToken cancellationToken) =>
        Run("Store.DeleteManifest", () => inner.DeleteManifestAsync(copyId, cancellationToken), cancellationToken);

    public async Task<IAsyncDisposable> LockRepositoryAsync(bool exclusive, TimeSpan timeout, CancellationToken cancellationToken) =>
        new Held(await Calls.RunAsync(plan, "Store.LockRepository", false, RepositoryError, () => inner.LockRepositoryAsync(exclusive, timeout, cancellationToken), cancellationToken).ConfigureAwait(false), plan, "Store.UnlockRepository");

    public async Task<IAsyncDisposable> LockCopyKeyAsync(string copyKey, TimeSpan timeout, CancellationToken cancellationToken) =>
        new Held(await Calls.RunAsync(plan, "Store.LockCopyKey", false, RepositoryError, () => inner.LockCopyKeyAsync(copyKey, timeout, cancellationToken), cancellationToken).ConfigureAwait(false), plan, "Store.UnlockCopyKey");

    public Task<int> DeleteAbandonedWritesAsync(DateTime olderThanUtc, CancellationToken cancellationToken) =>
        Calls.RunAsync(plan, "Store.DeleteAbandonedWrites", false, RepositoryError, () => inner.DeleteAbandonedWritesAsync(olderThanUtc, cancellationToken), cancellationToken);

    public async ValueTask DisposeAsync() =>
        await Run("Store.Dispose", async () => await inner.DisposeAsync().ConfigureAwait(false), CancellationToken.None).ConfigureAwait(false);

    private Task Run(string site, Func<Task> call, CancellationToken cancellationToken) =>
        Calls.RunAsync(plan, site, false, RepositoryError, async () => { await call().ConfigureAwait(false); return true; }, cancellationToken);

    /// <summary>A held repository lock whose release is a call site too.</summary>
    private sealed class Held(IAsyncDisposable inner, FaultPlan plan, string site) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() =>
            await Calls.RunAsync(plan, site, false, RepositoryError, async () => { await inner.DisposeAsync().ConfigureAwait(false); return true; }, CancellationToken.None).ConfigureAwait(false);
    }
}
