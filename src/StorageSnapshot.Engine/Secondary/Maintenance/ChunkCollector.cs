using System.Globalization;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Secondary.Maintenance;

/// <summary>
/// Deletes chunks no manifest references — leftovers of crashed copies, chunks of removed copies — but only
/// when explicitly asked (Remove-SnapshotCopy, repository maintenance) and only those last written or reused
/// longer ago than the grace period. It holds the repository lock exclusively, so no copy runs meanwhile; the
/// grace period additionally protects chunks on shares where locks are unreliable (a copy touches every chunk
/// it reuses). If any manifest cannot be read nothing is deleted: its references are unknown.
/// </summary>
internal sealed class ChunkCollector
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
        return await CollectUnderLockAsync(gracePeriod, output, cancellationToken, nowUtc);
    }

    /// <summary>
    /// Collects while the caller holds the repository lock exclusively (<see cref="IChunkStore.LockRepositoryAsync"/>):
    /// a journaled operation takes it before its phase one.
    /// </summary>
    public async Task<CollectionResult> CollectUnderLockAsync(TimeSpan gracePeriod, IOperationOutput output, CancellationToken cancellationToken, DateTime? nowUtc = null)
    {
        if (gracePeriod < TimeSpan.Zero) throw new ValidationException(ErrorIds.InvalidArgument, "The grace period cannot be negative.", gracePeriod);
        var cutoff = (nowUtc ?? DateTime.UtcNow) - gracePeriod;
        var (referenced, unreadable) = await ReferencedChunksAsync(cancellationToken);
        if (unreadable.Count > 0)
        {
            throw new CopyCorruptException(
                $"Chunk collection in '{_store.Description}' refused: the manifest(s) of {string.Join(", ", unreadable)} cannot be read, so the chunks they reference are unknown.",
                unreadable.Select(id => $"manifest of copy {id} is corrupt").ToArray(), _store.Description);
        }

        int deleted = 0, keptInGrace = 0;
        long freed = 0;
        await foreach (var chunk in _store.ListChunksAsync(cancellationToken))
        {
            if (referenced.Contains(Key(chunk.Digest))) continue;
            if (chunk.LastUsedUtc >= cutoff)
            {
                keptInGrace++;
                continue;
            }
            await _store.DeleteChunkAsync(chunk.Digest, cancellationToken);
            deleted++;
            freed += chunk.StoredBytes;
        }
        var abandoned = await _store.DeleteAbandonedWritesAsync(cutoff, cancellationToken);
        output.WriteVerbose($"Collected {deleted} unreferenced chunk(s) ({Units.Bytes(freed)}) in '{_store.Description}'; {keptInGrace} kept within the grace period.");
        return new CollectionResult(deleted, freed, keptInGrace, abandoned);
    }

    /// <summary>
    /// What a collection with <paramref name="gracePeriod"/> would delete, deleting nothing and taking no lock
    /// (drift detection): the unreferenced chunks last used before the cutoff, and their stored bytes. Refuses, as
    /// collection does, when a manifest cannot be read.
    /// </summary>
    public async Task<(long Chunks, long Bytes)> SurveyAsync(TimeSpan gracePeriod, CancellationToken cancellationToken, DateTime? nowUtc = null)
    {
        if (gracePeriod < TimeSpan.Zero) throw new ValidationException(ErrorIds.InvalidArgument, "The grace period cannot be negative.", gracePeriod);
        var cutoff = (nowUtc ?? DateTime.UtcNow) - gracePeriod;
        var (referenced, unreadable) = await ReferencedChunksAsync(cancellationToken).ConfigureAwait(false);
        if (unreadable.Count > 0)
        {
            throw new CopyCorruptException(
                $"The unreferenced chunks of '{_store.Description}' cannot be told: the manifest(s) of {string.Join(", ", unreadable)} cannot be read.",
                unreadable.Select(id => $"manifest of copy {id} is corrupt").ToArray(), _store.Description);
        }
        long chunks = 0, bytes = 0;
        await foreach (var chunk in _store.ListChunksAsync(cancellationToken).ConfigureAwait(false))
        {
            if (referenced.Contains(Key(chunk.Digest)) || chunk.LastUsedUtc >= cutoff) continue;
            chunks++;
            bytes += chunk.StoredBytes;
        }
        return (chunks, bytes);
    }

    /// <summary>
    /// The set of chunks some manifest references, built by streaming every manifest's chunk list: one 16-byte key
    /// per distinct stored chunk — memory in proportion to the repository's distinct data (about 40 bytes per
    /// chunk: 10 MiB per TiB of distinct data in 4 MiB chunks), never to the volumes' sizes or the number of copies.
    /// The key is the first 128 bits of the digest: two chunks sharing them (a 2^-64 chance among 2^32 chunks) only
    /// means an unreferenced chunk is kept, never that a referenced one is deleted. A manifest that fails its
    /// checksum (found at the end of its stream) is listed as unreadable.
    /// </summary>
    private async Task<(HashSet<UInt128> Referenced, List<string> Unreadable)> ReferencedChunksAsync(CancellationToken cancellationToken)
    {
        var referenced = new HashSet<UInt128>();
        var unreadable = new List<string>();
        foreach (var id in await _store.ListManifestsAsync(cancellationToken))
        {
            try
            {
                await foreach (var run in _store.ReadChunkListAsync(id, cancellationToken))
                {
                    if (run.Digest is { } digest) referenced.Add(Key(digest));
                }
            }
            catch (ObjectNotFoundException)
            {
                // Removed while we listed.
            }
            catch (StorageSnapshotException e) when (e.ErrorId == ErrorIds.CopyCorrupt)
            {
                unreadable.Add(id);
            }
        }
        return (referenced, unreadable);
    }

    private static UInt128 Key(string digest) => UInt128.Parse(digest.AsSpan(0, 32), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}

/// <summary>What a collection did.</summary>
/// <param name="ChunksDeleted">Unreferenced chunks deleted.</param>
/// <param name="BytesFreed">Their stored size.</param>
/// <param name="ChunksKeptInGrace">Unreferenced chunks kept because they are younger than the grace period.</param>
/// <param name="AbandonedWritesDeleted">What crashed writers left (temporary files in a directory repository) and was deleted.</param>
internal sealed record CollectionResult(int ChunksDeleted, long BytesFreed, int ChunksKeptInGrace, int AbandonedWritesDeleted);
