using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Secondary;

/// <summary>Questions answered from the manifests alone (the repository is its own catalogue).</summary>
internal static class RepositoryCatalog
{
    /// <summary>Every readable manifest; unreadable ones are reported to <paramref name="onCorrupt"/> and skipped.</summary>
    public static async Task<IReadOnlyList<CopyManifest>> ReadAllAsync(IChunkStore store, Action<string, StorageSnapshotException>? onCorrupt, CancellationToken cancellationToken)
    {
        var manifests = new List<CopyManifest>();
        foreach (var id in await store.ListManifestsAsync(cancellationToken))
        {
            try
            {
                manifests.Add(await store.ReadManifestAsync(id, cancellationToken));
            }
            catch (ObjectNotFoundException)
            {
                // Removed while we listed.
            }
            catch (StorageSnapshotException e) when (e.ErrorId == ErrorIds.CopyCorrupt && onCorrupt is not null)
            {
                onCorrupt(id, e);
            }
        }
        return manifests;
    }

    /// <summary>The committed copy of the snapshot, or null.</summary>
    public static async Task<CopyManifest?> FindCopyOfSnapshotAsync(IChunkStore store, string snapshotId, CancellationToken cancellationToken) =>
        (await ReadAllAsync(store, static (_, _) => { }, cancellationToken))
            .Where(m => string.Equals(m.Source.SnapshotId, snapshotId, StringComparison.Ordinal))
            .MaxBy(m => m.CreatedUtc);

    /// <summary>
    /// The newest committed copy of an older snapshot of the same volume (by snapshot time): the natural base of
    /// an incremental copy. Null when there is none.
    /// </summary>
    public static async Task<CopyManifest?> FindLatestCopyOfVolumeAsync(IChunkStore store, CopySource snapshot, CancellationToken cancellationToken) =>
        (await ReadAllAsync(store, static (_, _) => { }, cancellationToken))
            .Where(m => SameVolume(m.Source, snapshot) && m.Source.SnapshotId != snapshot.SnapshotId
                && (snapshot.SnapshotCreatedUtc is null || m.Source.SnapshotCreatedUtc is null || m.Source.SnapshotCreatedUtc <= snapshot.SnapshotCreatedUtc))
            .MaxBy(m => (m.Source.SnapshotCreatedUtc ?? m.CreatedUtc, m.CreatedUtc));

    private static bool SameVolume(CopySource a, CopySource b) =>
        a.VolumeId is not null && b.VolumeId is not null
            ? string.Equals(a.VolumeId, b.VolumeId, StringComparison.Ordinal)
            : string.Equals(a.Backend, b.Backend, StringComparison.OrdinalIgnoreCase) && string.Equals(a.Volume, b.Volume, StringComparison.OrdinalIgnoreCase);
}
