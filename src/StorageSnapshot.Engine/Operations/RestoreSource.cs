using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Secondary;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// The copy a restore reads (Restore-StorageSnapshot -FromCopy, New-StorageVolume -FromCopy): its phase-one
/// re-check and the journal facts naming it. The copy is not guarded by the volume lock (Remove-SnapshotCopy and
/// Unregister-SecondaryStorage take none), so phase one re-reads both before anything is written.
/// </summary>
/// <param name="Stores">How the copy's repository is opened (<see cref="Facade.EngineOptions.ChunkStores"/>).</param>
internal sealed record RestoreSource(SnapshotCopy Copy, SecondaryStorage Storage, ChunkStoreRegistry Stores)
{
    /// <summary>Throws unless the copy is still recorded Copied and its secondary storage still registered.</summary>
    public async Task RecheckAsync(IInventoryTransaction transaction, CancellationToken cancellationToken)
    {
        var current = await transaction.GetCopyAsync(Copy.Id, cancellationToken).ConfigureAwait(false)
                      ?? throw SecondaryErrors.CopyNotFound($"with id '{Copy.Id}'", Copy.Id);
        if (current.State != CopyState.Copied)
            throw EngineErrors.InvalidState($"Copy {current.Id} is {current.State}, not Copied: there is nothing to restore from.", current);
        if (await transaction.GetSecondaryStorageAsync(Storage.Name, cancellationToken).ConfigureAwait(false) is null)
            throw SecondaryErrors.StorageNotFound(Storage.Name);
    }

    /// <summary>Opens the repository and reads the copy's manifest (checksum-verified: CopyCorrupt when it is damaged).</summary>
    public async Task<(IChunkStore Store, CopyManifest Manifest)> OpenAsync(CancellationToken cancellationToken)
    {
        var store = await Stores.OpenAsync(Storage, cancellationToken).ConfigureAwait(false);
        try
        {
            return (store, await store.ReadManifestAsync(Copy.Id, cancellationToken).ConfigureAwait(false));
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The journal facts naming the copy, for a restore in <paramref name="mode"/>.</summary>
    public RestoreFromCopyDetails Details(RestoreMode mode) => new()
    {
        Mode = mode,
        CopyId = Copy.Id,
        CopySnapshotId = Copy.SnapshotId,
        Destination = Storage.Name,
        Repository = Storage.Path,
    };

    /// <summary>The copy in words, for messages.</summary>
    public string Description => $"copy {Copy.Id} of snapshot '{Copy.Snapshot}' on '{Storage.Name}'";
}
