using System.Buffers;
using System.Collections.Concurrent;
using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Secondary.Copy;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Secondary.Restore;

/// <summary>
/// Writes a copy back to a volume: chunks are fetched by several workers at once, each hashed as it is read and
/// written at its offset in whatever order it arrives (zero chunks become <see cref="IBlockWriter.ZeroAsync"/>).
/// Any chunk that is missing or does not match its digest stops the restore from finishing: every mismatch is
/// collected and a <see cref="CopyCorruptException"/> lists them, and the writer is never flushed. What to do
/// with the half-written target is the caller's decision (<see cref="VolumeRestore"/> deletes a new volume or
/// reverts an in-place target to its safety snapshot).
/// </summary>
public sealed class CopyRestorer
{
    private readonly IChunkStore _store;
    private readonly TransferOptions _options;

    /// <summary>Creates a restorer over a repository.</summary>
    public CopyRestorer(IChunkStore store, TransferOptions? options = null)
    {
        _store = store;
        _options = options ?? new TransferOptions();
    }

    /// <summary>Restores copy <paramref name="copyId"/> into <paramref name="target"/>, which must be at least as large as the image.</summary>
    public async Task<RestoreResult> RestoreAsync(string copyId, IBlockWriter target, IOperationOutput output, CancellationToken cancellationToken)
    {
        var manifest = await _store.ReadManifestAsync(copyId, cancellationToken);
        return await RestoreAsync(manifest, target, output, cancellationToken);
    }

    /// <summary>Restores a copy whose manifest has been read (and so checksum-verified) into <paramref name="target"/>.</summary>
    public async Task<RestoreResult> RestoreAsync(CopyManifest manifest, IBlockWriter target, IOperationOutput output, CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        if (target.Length < manifest.TotalBytes)
        {
            throw new ValidationException(ErrorIds.InvalidArgument,
                $"The target ({target.Length} bytes) is smaller than copy {manifest.CopyId} ({manifest.TotalBytes} bytes).", manifest.CopyId);
        }
        // The image digest is a hash of the chunk digests: checking it first proves the chunk list is the one
        // the copy committed; checking each chunk against its digest as it is read then proves the image.
        if (ChunkDigest.OfImage(manifest.Chunks.Select(c => c.Sha256)) != manifest.ImageSha256)
        {
            throw new CopyCorruptException($"Copy {manifest.CopyId}: its chunk list does not match its image digest.",
                new[] { "manifest: the chunk list does not match the image digest" }, manifest.CopyId);
        }

        var mismatches = new ConcurrentBag<(int Index, string Problem)>();
        long bytesRead = 0;
        var next = -1;
        var workers = _options.ChunkReadsInFlight;
        BlockingIoThreads.Reserve(workers);
        var activity = $"Restoring copy {manifest.CopyId} of {manifest.Source.Volume}/{manifest.Source.SnapshotName ?? manifest.Source.SnapshotId}";
        await using (var progress = new TransferProgress(output, activity, manifest.TotalBytes))
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
                        var offset = (long)index * manifest.ChunkSize;
                        if (chunk.Zero)
                        {
                            await target.ZeroAsync(offset, chunk.Length, failure.Token);
                        }
                        else
                        {
                            var problem = await ChunkCheck.ReadAndCheckAsync(_store, chunk, buffer, failure.Token);
                            Interlocked.Add(ref bytesRead, chunk.Length);
                            if (problem is not null)
                            {
                                mismatches.Add((index, problem));
                                continue;
                            }
                            await target.WriteAsync(offset, buffer.AsMemory(0, chunk.Length), failure.Token);
                        }
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

        if (!mismatches.IsEmpty)
        {
            var list = mismatches.OrderBy(m => m.Index).Select(m => $"chunk {m.Index} (offset {(long)m.Index * manifest.ChunkSize}): {m.Problem}").ToArray();
            throw new CopyCorruptException(
                $"Copy {manifest.CopyId} is corrupt: {list.Length} chunk(s) failed verification; the restore was not completed.", list, manifest.CopyId);
        }
        await target.FlushAsync(cancellationToken);
        var duration = DateTime.UtcNow - started;
        return new RestoreResult(manifest, bytesRead, duration);
    }
}

/// <summary>What a restore did.</summary>
/// <param name="Manifest">The copy restored.</param>
/// <param name="BytesRead">Bytes read from the repository (zero chunks are not read).</param>
/// <param name="Duration">Wall-clock duration.</param>
public sealed record RestoreResult(CopyManifest Manifest, long BytesRead, TimeSpan Duration)
{
    /// <summary>Image bytes restored per second.</summary>
    public double BytesPerSecond => Duration.TotalSeconds > 0 ? Manifest.TotalBytes / Duration.TotalSeconds : 0;
}
