using System.Collections.Concurrent;
using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Naming;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Secondary.Copy;

/// <summary>
/// Copies a snapshot into a repository: reads it in chunk-sized pieces (skipping holes, and — incrementally —
/// everything the change source says is unchanged), hashes in parallel, stores the chunks the repository lacks,
/// and commits the manifest last. A copy that fails or is killed leaves no manifest, only chunks a rerun
/// reuses (and collection removes after the grace period if no rerun comes).
///
/// Concurrency: every copy holds the repository lock shared (collection takes it exclusive) and the copy key
/// lock (the snapshot id) exclusive. A second copy of the same snapshot waits for the first, then finds its
/// committed copy and returns that (<see cref="CopyResult.AlreadyCopied"/>); copies of different snapshots run
/// side by side and share chunks through put-if-absent.
/// </summary>
public sealed class SnapshotCopier
{
    private readonly IChunkStore _store;
    private readonly TransferOptions _options;

    /// <summary>Creates a copier over a repository.</summary>
    public SnapshotCopier(IChunkStore store, TransferOptions? options = null)
    {
        _store = store;
        _options = options ?? new TransferOptions();
    }

    /// <summary>Runs the copy. Progress and warnings go to <paramref name="output"/>.</summary>
    public async Task<CopyResult> CopyAsync(CopyRequest request, IOperationOutput output, CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        var snapshotId = request.Identity.SnapshotId;
        await using var repositoryLock = await LockRepositoryAsync(cancellationToken);
        await using var keyLock = await LockCopyKeyAsync(snapshotId, output, cancellationToken);

        var existing = await RepositoryCatalog.FindCopyOfSnapshotAsync(_store, snapshotId, cancellationToken);
        if (existing is not null)
        {
            output.WriteVerbose($"Snapshot {snapshotId} already has copy {existing.CopyId} in '{_store.Description}'.");
            return new CopyResult { Manifest = existing, AlreadyCopied = true, Statistics = existing.Statistics ?? new CopyStatistics() };
        }

        var baseManifest = await ReadBaseAsync(request.BaseCopyId, output, cancellationToken);
        var run = new CopyRun(_store.Format.ChunkSize, request.Source.Length, baseManifest);
        var incremental = baseManifest is not null && request.ChangedRanges is not null;
        var fellBack = false;
        if (incremental)
        {
            run.MarkChanged(request.ChangedRanges!);
            if (!await SampleUnchangedChunksAsync(request.Source, run, output, cancellationToken))
            {
                incremental = false;
                fellBack = true;
            }
        }

        var allocated = await request.Source.GetAllocatedRangesAsync(cancellationToken);
        var toRead = run.PlanReads(allocated, incremental);
        var parallelism = _options.EffectiveParallelism;
        BlockingIoThreads.Reserve(1 + parallelism + _options.ChunkWriters);
        var activity = $"Copying snapshot {request.Identity.SnapshotName ?? snapshotId} of {request.Identity.Volume} to {_store.Description}";
        await using (var progress = new TransferProgress(output, activity, run.TotalBytes))
        {
            progress.Add(run.SettledBytes);
            await ChunkPipeline.RunAsync(request.Source, toRead, run.ChunkSize, parallelism, consumers: _options.ChunkWriters,
                async (chunk, token) =>
                {
                    var stored = chunk.IsZero ? 0 : await _store.PutChunkIfAbsentAsync(chunk.Digest, chunk.Data, token);
                    run.Settle(chunk, stored);
                    progress.Add(chunk.Length);
                },
                cancellationToken);
        }

        var manifest = run.BuildManifest(request.CopyId ?? Ids.New(), request.Identity, incremental ? baseManifest!.CopyId : null, started);
        await _store.CommitManifestAsync(manifest, cancellationToken);
        output.WriteVerbose($"Copy {manifest.CopyId} committed: {manifest.Statistics!.ChunksNew} new chunks, {manifest.Statistics.ChunksReused} reused, {manifest.Statistics.ChunksZero} zero.");
        return new CopyResult { Manifest = manifest, Incremental = incremental, FellBackToFullRead = fellBack, Statistics = manifest.Statistics };
    }

    private async Task<IAsyncDisposable> LockRepositoryAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _store.LockRepositoryAsync(exclusive: false, _options.LockTimeout, cancellationToken);
        }
        catch (TimeoutException e)
        {
            throw new ConflictException(ErrorIds.InvalidState,
                $"Chunk collection is running in '{_store.Description}' and did not finish in time: {e.Message}", _store.Description, ErrorKind.ResourceBusy);
        }
    }

    private async Task<IAsyncDisposable> LockCopyKeyAsync(string snapshotId, IOperationOutput output, CancellationToken cancellationToken)
    {
        try
        {
            return await _store.LockCopyKeyAsync(snapshotId, TimeSpan.Zero, cancellationToken);
        }
        catch (TimeoutException)
        {
            output.WriteVerbose($"Another process is copying snapshot {snapshotId} to '{_store.Description}'; waiting for it.");
        }
        try
        {
            return await _store.LockCopyKeyAsync(snapshotId, _options.LockTimeout, cancellationToken);
        }
        catch (TimeoutException e)
        {
            throw new ConflictException(ErrorIds.InvalidState,
                $"Snapshot {snapshotId} is being copied to '{_store.Description}' by another process: {e.Message}", snapshotId, ErrorKind.ResourceBusy);
        }
    }

    private async Task<CopyManifest?> ReadBaseAsync(string? baseCopyId, IOperationOutput output, CancellationToken cancellationToken)
    {
        if (baseCopyId is null) return null;
        try
        {
            var manifest = await _store.ReadManifestAsync(baseCopyId, cancellationToken);
            if (manifest.ChunkSize == _store.Format.ChunkSize) return manifest;
            output.WriteWarning($"Base copy {baseCopyId} has another chunk size; copying in full.");
        }
        catch (StorageSnapshotException e) when (e.ErrorId is ErrorIds.CopyCorrupt or ErrorIds.CopyNotFound)
        {
            output.WriteWarning($"Base copy {baseCopyId} cannot be used ({e.Message}); copying in full.");
        }
        return null;
    }

    /// <summary>
    /// Trust but verify the change source: re-read a random sample of the chunks it calls unchanged and compare
    /// them with the base copy. False (after a warning) on any mismatch.
    /// </summary>
    private async Task<bool> SampleUnchangedChunksAsync(IBlockReader source, CopyRun run, IOperationOutput output, CancellationToken cancellationToken)
    {
        var unchanged = run.UnchangedIndices();
        var wanted = (int)Math.Min(unchanged.Count, Math.Max(_options.VerificationSampleMinimum, Math.Ceiling(unchanged.Count * _options.VerificationSampleFraction)));
        var sample = unchanged.OrderBy(_ => Random.Shared.Next()).Take(wanted).Order().ToArray();
        var mismatches = new ConcurrentBag<long>();
        await ChunkPipeline.RunAsync(source, sample, run.ChunkSize, _options.EffectiveParallelism, consumers: 1,
            (chunk, _) =>
            {
                if (chunk.Digest != run.Base!.Chunks[(int)chunk.Index].Sha256) mismatches.Add(chunk.Index);
                run.AddSampleRead(chunk.Length);
                return ValueTask.CompletedTask;
            },
            cancellationToken);
        if (mismatches.IsEmpty)
        {
            output.WriteVerbose($"Change source checked: {sample.Length} chunks claimed unchanged match the base copy.");
            return true;
        }
        output.WriteWarning(
            $"The driver reported chunk(s) {string.Join(", ", mismatches.Order().Take(5))} as unchanged since the base copy, but they differ; " +
            "reading the whole snapshot instead of the changed ranges.");
        return false;
    }
}
