using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// A journaled change of a secondary storage alone (a copy removal, a chunk collection): no driver, no volume.
/// <see cref="OperationRunner"/> takes the host lock of <see cref="Storage"/> (which is how a dead owner is found,
/// as for volumes), opens its repository, runs phase one (the storage must still be registered at the same
/// place), then <see cref="ExecuteAsync"/>, then phase two — the same journal entry, events and compensation as
/// a driver operation. The repository's own cross-host lock (shared by running copies, exclusive for chunk
/// collection) is the operation's to take in <see cref="ExecuteAsync"/>, since only it knows which it needs.
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

    /// <summary>The work on the repository.</summary>
    public abstract Task ExecuteAsync(IChunkStore store, CancellationToken cancellationToken);

    /// <summary>Undoes what a failed or cancelled <see cref="ExecuteAsync"/> may have left half-done. Throws when it cannot.</summary>
    public abstract Task CompensateAsync(IChunkStore store, CancellationToken cancellationToken);
}
