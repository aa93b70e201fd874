using System.Buffers;
using System.Collections.Concurrent;
using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Secondary.Copy;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Secondary.Verify;

/// <summary>
/// Test-SnapshotCopy: proves a copy restores. Checks the manifest (checksum, structure, image digest), re-reads
/// and re-hashes every stored chunk, and — given the source snapshot — also hashes the snapshot chunk by chunk
/// and compares. Reports every mismatch rather than stopping at the first.
/// </summary>
public sealed class CopyVerifier
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

        var mismatches = new ConcurrentBag<(int Index, string Problem)>();
        if (ChunkDigest.OfImage(manifest.Chunks.Select(c => c.Sha256)) != manifest.ImageSha256)
        {
            mismatches.Add((-1, "manifest: the chunk list does not match the image digest"));
        }
        if (source is not null && source.Length != manifest.TotalBytes)
        {
            mismatches.Add((-1, $"source: the snapshot is {source.Length} bytes, the copy {manifest.TotalBytes}"));
        }

        long bytesChecked = 0;
        var chunksChecked = 0;
        var next = -1;
        var workers = _options.ChunkReadsInFlight;
        BlockingIoThreads.Reserve(workers);
        await using (var progress = new TransferProgress(output, $"Verifying copy {copyId}", manifest.TotalBytes))
        {
            using var failure = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var tasks = Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
            {
                var buffer = ArrayPool<byte>.Shared.Rent(manifest.ChunkSize);
                try
                {
                    int index;
                    while ((index = Interlocked.Increment(ref next)) < manifest.Chunks.Count)
                    {
                        var chunk = manifest.Chunks[index];
                        if (!chunk.Zero)
                        {
                            var problem = await ChunkCheck.ReadAndCheckAsync(_store, chunk, buffer, failure.Token);
                            if (problem is not null) mismatches.Add((index, problem));
                            Interlocked.Add(ref bytesChecked, chunk.Length);
                        }
                        else if (chunk.Sha256 != ChunkDigest.OfZeros(chunk.Length))
                        {
                            mismatches.Add((index, "a zero chunk has the digest of non-zero data"));
                        }
                        if (source is not null)
                        {
                            var problem = await CompareWithSourceAsync(source, manifest, index, buffer, failure.Token);
                            if (problem is not null) mismatches.Add((index, problem));
                        }
                        Interlocked.Increment(ref chunksChecked);
                        progress.Add(chunk.Length);
                    }
                }
                catch
                {
                    failure.Cancel();
                    throw;
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }, failure.Token)).ToArray();
            try
            {
                await Task.WhenAll(tasks);
            }
            catch
            {
                ChunkPipeline.RethrowRootCause(tasks, cancellationToken);
                throw;
            }
        }

        var list = mismatches.OrderBy(m => m.Index)
            .Select(m => m.Index < 0 ? m.Problem : $"chunk {m.Index} (offset {(long)m.Index * manifest.ChunkSize}): {m.Problem}")
            .ToArray();
        return new CopyVerification(copyId, manifest, chunksChecked, bytesChecked, list, DateTime.UtcNow - started);
    }

    private static async Task<string?> CompareWithSourceAsync(IBlockReader source, CopyManifest manifest, int index, byte[] buffer, CancellationToken cancellationToken)
    {
        var chunk = manifest.Chunks[index];
        var offset = (long)index * manifest.ChunkSize;
        var data = buffer.AsMemory(0, chunk.Length);
        var total = 0;
        while (total < data.Length)
        {
            var n = await source.ReadAsync(offset + total, data[total..], cancellationToken);
            if (n <= 0) break;
            total += n;
        }
        data.Span[total..].Clear();
        var actual = ChunkDigest.IsAllZero(data.Span) ? ChunkDigest.OfZeros(chunk.Length) : ChunkDigest.Of(data.Span);
        return actual == chunk.Sha256 ? null : "differs from the source snapshot";
    }
}

/// <summary>The outcome of verifying a copy.</summary>
/// <param name="CopyId">The copy.</param>
/// <param name="Manifest">Its manifest, or null when the manifest itself is unreadable.</param>
/// <param name="ChunksChecked">Chunks examined.</param>
/// <param name="BytesChecked">Stored bytes re-read and re-hashed.</param>
/// <param name="Mismatches">Every problem found, one sentence each; empty when the copy is sound.</param>
/// <param name="Duration">Wall-clock duration.</param>
public sealed record CopyVerification(string CopyId, CopyManifest? Manifest, int ChunksChecked, long BytesChecked, IReadOnlyList<string> Mismatches, TimeSpan Duration)
{
    /// <summary>True when nothing is wrong.</summary>
    public bool IsValid => Mismatches.Count == 0;

    /// <summary>Stored bytes re-hashed per second.</summary>
    public double BytesPerSecond => Duration.TotalSeconds > 0 ? BytesChecked / Duration.TotalSeconds : 0;

    /// <summary>The error a front end reports for an invalid copy (null when valid).</summary>
    public CopyCorruptException? ToException() => IsValid ? null :
        new CopyCorruptException($"Copy {CopyId} failed verification: {Mismatches.Count} problem(s). {Mismatches[0]}", Mismatches, CopyId);
}
