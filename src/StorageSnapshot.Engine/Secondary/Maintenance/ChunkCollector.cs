using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Secondary.Maintenance;

/// <summary>
/// Deletes chunks no manifest references — leftovers of crashed copies, chunks of removed copies — but only
/// when explicitly asked (Remove-SnapshotCopy, repository maintenance) and only those last written or reused
/// longer ago than the grace period. It holds the repository lock exclusively, so no copy runs meanwhile; the
/// grace period additionally protects chunks on shares where locks are unreliable (a copy touches every chunk
/// it reuses). If any manifest cannot be read nothing is deleted: its references are unknown.
/// </summary>
public sealed class ChunkCollector
{
    /// <summary>The default grace period: a day.</summary>
    public static readonly TimeSpan DefaultGracePeriod = TimeSpan.FromHours(24);

    private readonly IChunkStore _store;

    /// <summary>Creates a collector over a repository.</summary>
    public ChunkCollector(IChunkStore store) => _store = store;

    /// <summary>Collects; waits up to <paramref name="lockTimeout"/> for running copies to finish.</summary>
    public async Task<CollectionResult> CollectAsync(TimeSpan gracePeriod, TimeSpan lockTimeout, IOperationOutput output, CancellationToken cancellationToken, DateTime? nowUtc = null)
    {
        if (gracePeriod < TimeSpan.Zero) throw new ValidationException(ErrorIds.InvalidArgument, "The grace period cannot be negative.", gracePeriod);
        IAsyncDisposable held;
        try
        {
            held = await _store.LockRepositoryAsync(exclusive: true, lockTimeout, cancellationToken);
        }
        catch (TimeoutException e)
        {
            throw new ConflictException(ErrorIds.InvalidState, $"Cannot collect chunks in '{_store.Description}' while copies are running: {e.Message}", _store.Description, ErrorKind.ResourceBusy);
        }
        await using var _ = held;

        var cutoff = (nowUtc ?? DateTime.UtcNow) - gracePeriod;
        var unreadable = new List<string>();
        var manifests = await RepositoryCatalog.ReadAllAsync(_store, (id, _) => unreadable.Add(id), cancellationToken);
        if (unreadable.Count > 0)
        {
            throw new CopyCorruptException(
                $"Chunk collection in '{_store.Description}' refused: the manifest(s) of {string.Join(", ", unreadable)} cannot be read, so the chunks they reference are unknown.",
                unreadable.Select(id => $"manifest of copy {id} is corrupt").ToArray(), _store.Description);
        }

        var referenced = new HashSet<string>(manifests.SelectMany(m => m.Chunks).Where(c => !c.Zero).Select(c => c.Sha256), StringComparer.Ordinal);
        int deleted = 0, keptInGrace = 0;
        long freed = 0;
        await foreach (var chunk in _store.ListChunksAsync(cancellationToken))
        {
            if (referenced.Contains(chunk.Digest)) continue;
            if (chunk.LastUsedUtc >= cutoff)
            {
                keptInGrace++;
                continue;
            }
            await _store.DeleteChunkAsync(chunk.Digest, cancellationToken);
            deleted++;
            freed += chunk.StoredBytes;
        }
        var temporaries = await _store.DeleteStaleTemporaryFilesAsync(cutoff, cancellationToken);
        output.WriteVerbose($"Collected {deleted} unreferenced chunk(s) ({Units.Bytes(freed)}) in '{_store.Description}'; {keptInGrace} kept within the grace period.");
        return new CollectionResult(deleted, freed, keptInGrace, temporaries);
    }
}

/// <summary>What a collection did.</summary>
/// <param name="ChunksDeleted">Unreferenced chunks deleted.</param>
/// <param name="BytesFreed">Their stored size.</param>
/// <param name="ChunksKeptInGrace">Unreferenced chunks kept because they are younger than the grace period.</param>
/// <param name="TemporaryFilesDeleted">Stale temporary files deleted.</param>
public sealed record CollectionResult(int ChunksDeleted, long BytesFreed, int ChunksKeptInGrace, int TemporaryFilesDeleted);
