using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Secondary.Verify;

/// <summary>
/// Test-SnapshotCopy: proves a copy restores. Checks the manifest (checksum, structure, image digest), re-reads
/// and re-hashes every stored chunk, and — given the source snapshot — also hashes the snapshot chunk by chunk
/// and compares: every stored chunk, and every zero chunk where the snapshot holds data (the rest of a zero run
/// lies in the snapshot's holes, so reading it would prove nothing and take as long as the volume is large).
/// Reports every mismatch rather than stopping at the first. The chunk list is streamed, never held
/// (<see cref="ChunkListWalker"/>, the walk restores share).
/// </summary>
internal sealed class CopyVerifier
{
    private readonly IChunkStore _store;
    private readonly TransferOptions _options;

    /// <summary>Creates a verifier over a repository.</summary>
    public CopyVerifier(IChunkStore store, TransferOptions? options = null)
    {
        _store = store;
        _options = options ?? new TransferOptions();
    }

    /// <summary>Verifies copy <paramref name="copyId"/>; with <paramref name="source"/>, against the primary snapshot too.</summary>
    public async Task<CopyVerification> VerifyAsync(string copyId, IBlockReader? source, IOperationOutput output, CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        CopyManifest manifest;
        try
        {
            manifest = await _store.ReadManifestAsync(copyId, cancellationToken);
        }
        catch (CopyCorruptException e)
        {
            return new CopyVerification(copyId, null, 0, 0, e.Mismatches, DateTime.UtcNow - started);
        }

        var mismatches = new MismatchList(manifest.ChunkSize);
        if (source is not null && source.Length != manifest.TotalBytes)
        {
            mismatches.Add(-1, $"source: the snapshot is {source.Length} bytes, the copy {manifest.TotalBytes}");
        }
        // Where the source holds data: only there can a zero chunk of the copy differ from it.
        var sourceData = source is null ? null
            : await source.GetAllocatedRangesAsync(cancellationToken) is { } ranges
                ? ChunkIntervals.Touching(ranges, manifest.ChunkSize, manifest.ChunkCount)
                : ChunkIntervals.All(manifest.ChunkCount);

        long bytesChecked = 0;
        long chunksChecked = 0;
        await using (var progress = new TransferProgress(output, $"Verifying copy {copyId}", manifest.TotalBytes))
        {
            // Work items: a stored chunk (digest), or a zero chunk where the source has data (no digest).
            IEnumerable<(long Index, string? Digest)> ItemsOf(ChunkRun run)
            {
                if (run.Digest is { } digest) return [(run.FirstIndex, digest)];
                Interlocked.Add(ref chunksChecked, run.Count);
                progress.Add(manifest.BytesOf(run));
                return sourceData is null ? [] : ZeroChunksWithSourceData(run, sourceData);
            }

            await ChunkListWalker.WalkAsync(_store, manifest, _options.ChunkReadsInFlight, mismatches, ItemsOf, async (item, buffer, token) =>
            {
                var (index, digest) = item;
                var length = manifest.LengthOf(index);
                if (digest is not null)
                {
                    var problem = await ChunkCheck.ReadAndCheckAsync(_store, digest, length, buffer, token).ConfigureAwait(false);
                    if (problem is not null) mismatches.Add(index, problem);
                    Interlocked.Add(ref bytesChecked, length);
                    Interlocked.Increment(ref chunksChecked);
                    progress.Add(length);
                }
                if (source is not null)
                {
                    var problem = await CompareWithSourceAsync(source, manifest, index, digest ?? ChunkDigest.OfZeros(length), buffer, token).ConfigureAwait(false);
                    if (problem is not null) mismatches.Add(index, problem);
                }
            }, cancellationToken).ConfigureAwait(false);
        }

        return new CopyVerification(copyId, manifest, chunksChecked, bytesChecked, mismatches.ToArray(), DateTime.UtcNow - started);
    }

    private static IEnumerable<(long Index, string? Digest)> ZeroChunksWithSourceData(ChunkRun run, ChunkIntervals sourceData)
    {
        for (var i = sourceData.NextIn(run.FirstIndex); i < run.EndIndex; i = sourceData.NextIn(i + 1)) yield return (i, null);
    }

    private static async Task<string?> CompareWithSourceAsync(IBlockReader source, CopyManifest manifest, long index, string expected, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var data = buffer[..manifest.LengthOf(index)];
        var total = await FullReads.ReadAsync(source, index * manifest.ChunkSize, data, cancellationToken).ConfigureAwait(false);
        data.Span[total..].Clear();
        var actual = ChunkDigest.IsAllZero(data.Span) ? ChunkDigest.OfZeros(data.Length) : ChunkDigest.Of(data.Span);
        return actual == expected ? null : "differs from the source snapshot";
    }
}

/// <summary>The outcome of verifying a copy.</summary>
/// <param name="CopyId">The copy.</param>
/// <param name="Manifest">Its manifest, or null when the manifest itself is unreadable.</param>
/// <param name="ChunksChecked">Chunks examined.</param>
/// <param name="BytesChecked">Stored bytes re-read and re-hashed.</param>
/// <param name="Mismatches">Every problem found, one sentence each; empty when the copy is sound.</param>
/// <param name="Duration">Wall-clock duration.</param>
internal sealed record CopyVerification(string CopyId, CopyManifest? Manifest, long ChunksChecked, long BytesChecked, IReadOnlyList<string> Mismatches, TimeSpan Duration)
{
    /// <summary>True when nothing is wrong.</summary>
    public bool IsValid => Mismatches.Count == 0;

    /// <summary>Stored bytes re-hashed per second.</summary>
    public double BytesPerSecond => Duration.TotalSeconds > 0 ? BytesChecked / Duration.TotalSeconds : 0;

    /// <summary>The error a front end reports for an invalid copy (null when valid).</summary>
    public CopyCorruptException? ToException() => IsValid ? null :
        new CopyCorruptException($"Copy {CopyId} failed verification: {Mismatches.Count} problem(s). {Mismatches[0]}", Mismatches, CopyId);
}
