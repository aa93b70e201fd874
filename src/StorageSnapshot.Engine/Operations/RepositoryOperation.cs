using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// A journaled change of a secondary storage alone (a copy removal, a chunk collection): no driver, no volume.
/// <see cref="OperationRunner"/> takes the host lock of <see cref="Storage"/> (which is how a dead owner is found,
/// as for volumes), opens its repository through <see cref="Secondary.ChunkStoreRegistry"/>, takes the
/// repository's own lock the operation needs (<see cref="LockRepositoryAsync"/>), runs phase one (the storage
/// must still be registered at the same place), then <see cref="ExecuteAsync"/>, then phase two — the same
/// journal entry, events and compensation as a driver operation. Both locks are held until after phase two.
/// </summary>
internal abstract class RepositoryOperation<TResult> : JournaledOperation<TResult>
{
    protected RepositoryOperation(SecondaryStorage storage)
    {
        Storage = storage;
    }

    /// <summary>The secondary storage changed, as the caller resolved it (re-read in phase one).</summary>
    public SecondaryStorage Storage { get; }

    /// <inheritdoc />
    public override string? Destination => Storage.Name;

    /// <summary>
    /// The repository's own cross-host lock this operation needs (shared by running copies, exclusive for chunk
    /// collection; a copy key to wait for a running copy of one snapshot), taken before phase one so that a
    /// refusal records and changes nothing; null when it needs none. Throws the operation's typed error when the
    /// lock stays held past <paramref name="timeout"/>.
    /// </summary>
    public virtual Task<IAsyncDisposable?> LockRepositoryAsync(IChunkStore store, TimeSpan timeout, CancellationToken cancellationToken) =>
        Task.FromResult<IAsyncDisposable?>(null);

    /// <summary>The work on the repository.</summary>
    public abstract Task ExecuteAsync(IChunkStore store, CancellationToken cancellationToken);

    /// <summary>Undoes what a failed or cancelled <see cref="ExecuteAsync"/> may have left half-done. Throws when it cannot.</summary>
    public abstract Task CompensateAsync(IChunkStore store, CancellationToken cancellationToken);
}
