using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Secondary.Restore;

/// <summary>
/// Writes a copy back to a volume: chunks are fetched by several workers at once (<see cref="ChunkListWalker"/>),
/// each hashed as it is read and written at its offset in whatever order it arrives (zero chunks become
/// <see cref="IBlockWriter.ZeroAsync"/>). Any chunk that is missing or does not match its digest stops the restore
/// from finishing: every mismatch is collected and a <see cref="CopyCorruptException"/> lists them, and the
/// writer is never flushed. What to do with the half-written target is the caller's decision (the restore
/// operations delete a new volume, or revert an in-place target to its safety snapshot).
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
        var manifest = await _store.ReadManifestAsync(copyId, cancellationToken).ConfigureAwait(false);
        return await RestoreAsync(manifest, target, targetReadsAsZeros: false, output, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes a copy whose manifest has been read over a volume that already holds data: refuses a volume smaller
    /// than the image, zeroes the bytes past the image (the volume grew since the copy) so that it reads exactly
    /// as the snapshot did, and flushes. Never flushed when a chunk fails verification.
    /// </summary>
    public async Task<RestoreResult> OverwriteAsync(CopyManifest manifest, IBlockWriter target, IOperationOutput output, CancellationToken cancellationToken)
    {
        if (target.Length < manifest.TotalBytes)
        {
            throw new ValidationException(ErrorIds.InvalidArgument,
                $"The volume ({target.Length} bytes) is smaller than copy {manifest.CopyId} ({manifest.TotalBytes} bytes).", manifest.CopyId);
        }
        var result = await RestoreAsync(manifest, target, targetReadsAsZeros: false, output, cancellationToken).ConfigureAwait(false);
        if (target.Length > manifest.TotalBytes)
        {
            await target.ZeroAsync(manifest.TotalBytes, target.Length - manifest.TotalBytes, cancellationToken).ConfigureAwait(false);
            await target.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        return result;
    }

    /// <summary>
    /// Restores a copy whose manifest has been read (and so checksum-verified) into <paramref name="target"/>. With
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
        var activity = $"Restoring copy {manifest.CopyId} of {manifest.Source.Volume}/{manifest.Source.SnapshotName ?? manifest.Source.SnapshotId}";
        await using (var progress = new TransferProgress(output, activity, manifest.TotalBytes))
        {
            IEnumerable<ChunkRun> ItemsOf(ChunkRun run)
            {
                if (run.IsZero && targetReadsAsZeros)
                {
                    progress.Add(manifest.BytesOf(run));
                    return [];
                }
                return [run];
            }

            await ChunkListWalker.WalkAsync(_store, manifest, _options.ChunkReadsInFlight, mismatches, ItemsOf, async (run, buffer, token) =>
            {
                var offset = run.FirstIndex * manifest.ChunkSize;
                if (run.Digest is not { } digest)
                {
                    await target.ZeroAsync(offset, manifest.BytesOf(run), token).ConfigureAwait(false);
                    progress.Add(manifest.BytesOf(run));
                    return;
                }
                var length = manifest.LengthOf(run.FirstIndex);
                var problem = await ChunkCheck.ReadAndCheckAsync(_store, digest, length, buffer, token).ConfigureAwait(false);
                Interlocked.Add(ref bytesRead, length);
                if (problem is not null)
                {
                    mismatches.Add(run.FirstIndex, problem);
                    return;
                }
                await target.WriteAsync(offset, buffer[..length], token).ConfigureAwait(false);
                progress.Add(length);
            }, cancellationToken).ConfigureAwait(false);
        }

        if (!mismatches.IsEmpty)
        {
            var list = mismatches.ToArray();
            var message = mismatches.ChunkProblems == 0
                ? $"Copy {manifest.CopyId}: its chunk list does not match its image digest; the restore was not completed."
                : $"Copy {manifest.CopyId} is corrupt: {mismatches.ChunkProblems} chunk(s) failed verification; the restore was not completed.";
            throw new CopyCorruptException(message, list, manifest.CopyId);
        }
        await target.FlushAsync(cancellationToken).ConfigureAwait(false);
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
