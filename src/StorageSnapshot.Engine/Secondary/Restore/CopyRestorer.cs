using System.Buffers;
using System.Threading.Channels;
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
internal sealed class CopyRestorer
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
    public Task<RestoreResult> RestoreAsync(CopyManifest manifest, IBlockWriter target, IOperationOutput output, CancellationToken cancellationToken) =>
        RestoreAsync(manifest, target, targetReadsAsZeros: false, output, cancellationToken);

    /// <summary>
    /// Restores a copy whose manifest has been read into <paramref name="target"/>. With
    /// <paramref name="targetReadsAsZeros"/> (a volume just created) runs of zero chunks are not written at all;
    /// otherwise each run is one <see cref="IBlockWriter.ZeroAsync"/> call, however long.
    /// </summary>
    public async Task<RestoreResult> RestoreAsync(CopyManifest manifest, IBlockWriter target, bool targetReadsAsZeros, IOperationOutput output, CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        if (target.Length < manifest.TotalBytes)
        {
            throw new ValidationException(ErrorIds.InvalidArgument,
                $"The target ({target.Length} bytes) is smaller than copy {manifest.CopyId} ({manifest.TotalBytes} bytes).", manifest.CopyId);
        }

        var mismatches = new MismatchList(manifest.ChunkSize);
        long bytesRead = 0;
        var workers = _options.ChunkReadsInFlight;
        BlockingIoThreads.Reserve(workers + 1);
        var activity = $"Restoring copy {manifest.CopyId} of {manifest.Source.Volume}/{manifest.Source.SnapshotName ?? manifest.Source.SnapshotId}";
        await using (var progress = new TransferProgress(output, activity, manifest.TotalBytes))
        {
            using var failure = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var work = Channel.CreateBounded<ChunkRun>(new BoundedChannelOptions(2 * workers) { SingleWriter = true });

            // The chunk list is streamed, never held: the dispatcher hands out runs in order and folds them into
            // the image digest, which proves the list is the one the copy committed; each chunk is proved against
            // its digest as it is read. A mismatch in either stops the restore before the flush.
            var dispatcher = Task.Run(async () =>
            {
                var image = new BackgroundImageDigest(manifest.ChunkSize, manifest.TotalBytes, failure.Token);
                try
                {
                    await foreach (var run in _store.ReadChunkListAsync(manifest.CopyId, failure.Token))
                    {
                        await image.AddAsync(run, failure.Token);
                        if (run.IsZero && targetReadsAsZeros)
                        {
                            progress.Add(manifest.BytesOf(run));
                            continue;
                        }
                        await work.Writer.WriteAsync(run, failure.Token);
                    }
                    work.Writer.TryComplete();
                    if (await image.CompleteAsync() != manifest.ImageSha256) mismatches.Add(-1, "manifest: the chunk list does not match the image digest");
                }
                catch
                {
                    image.Abandon();
                    // The workers stop on the cancellation; the caller sees this exception, not theirs.
                    work.Writer.TryComplete();
                    failure.Cancel();
                    throw;
                }
            }, failure.Token);

            var tasks = Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
            {
                var buffer = ArrayPool<byte>.Shared.Rent(manifest.ChunkSize);
                try
                {
                    await foreach (var run in work.Reader.ReadAllAsync(failure.Token))
                    {
                        var offset = run.FirstIndex * manifest.ChunkSize;
                        if (run.Digest is not { } digest)
                        {
                            await target.ZeroAsync(offset, manifest.BytesOf(run), failure.Token);
                            progress.Add(manifest.BytesOf(run));
                            continue;
                        }
                        var length = manifest.LengthOf(run.FirstIndex);
                        var problem = await ChunkCheck.ReadAndCheckAsync(_store, digest, length, buffer, failure.Token);
                        Interlocked.Add(ref bytesRead, length);
                        if (problem is not null)
                        {
                            mismatches.Add(run.FirstIndex, problem);
                            continue;
                        }
                        await target.WriteAsync(offset, buffer.AsMemory(0, length), failure.Token);
                        progress.Add(length);
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
            }, failure.Token)).Append(dispatcher).ToArray();
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
            var list = mismatches.ToArray();
            var message = mismatches.ChunkProblems == 0
                ? $"Copy {manifest.CopyId}: its chunk list does not match its image digest; the restore was not completed."
                : $"Copy {manifest.CopyId} is corrupt: {mismatches.ChunkProblems} chunk(s) failed verification; the restore was not completed.";
            throw new CopyCorruptException(message, list, manifest.CopyId);
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
internal sealed record RestoreResult(CopyManifest Manifest, long BytesRead, TimeSpan Duration)
{
    /// <summary>Image bytes restored per second.</summary>
    public double BytesPerSecond => Duration.TotalSeconds > 0 ? Manifest.TotalBytes / Duration.TotalSeconds : 0;
}
