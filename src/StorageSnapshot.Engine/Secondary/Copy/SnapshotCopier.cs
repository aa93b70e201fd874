using System.Collections.Concurrent;
using System.Threading.Channels;
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
/// lock (the snapshot id) exclusive. A copy is named before it starts (<see cref="CopyRequest.CopyId"/>, the
/// inventory record's id), so a second run under that id — racing the first, or after a crash between the
/// commit and the inventory's update — waits for the key, finds that manifest and returns it
/// (<see cref="CopyResult.AlreadyCopied"/>): one manifest is read, never the whole repository. Copies of
/// different snapshots run side by side and share chunks through put-if-absent.
/// </summary>
internal sealed class SnapshotCopier
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

        var copyId = request.CopyId;
        if (await ReadCommittedAsync(copyId, snapshotId, cancellationToken) is { } existing)
        {
            output.WriteVerbose($"Copy {copyId} of snapshot {snapshotId} is already committed in '{_store.Description}'.");
            return new CopyResult { Manifest = existing, AlreadyCopied = true, Statistics = existing.Statistics ?? new CopyStatistics() };
        }

        var baseManifest = await ReadBaseAsync(request.BaseCopyId, output, cancellationToken);
        var chunkSize = _store.Format.ChunkSize;
        var chunkCount = (request.Source.Length + chunkSize - 1) / chunkSize;
        var allocatedRanges = await request.Source.GetAllocatedRangesAsync(cancellationToken);
        var allocated = allocatedRanges is null ? ChunkIntervals.All(chunkCount) : ChunkIntervals.Touching(allocatedRanges, chunkSize, chunkCount);
        var changed = baseManifest is not null && request.ChangedRanges is not null
            ? ChunkIntervals.Touching(request.ChangedRanges, chunkSize, chunkCount)
            : null;
        var plan = new CopyPlan(chunkSize, request.Source.Length, allocated, baseManifest, changed);
        var fellBack = false;
        long sampleBytesRead = 0;
        if (plan.Incremental)
        {
            (var trusted, sampleBytesRead) = await SampleUnchangedChunksAsync(request.Source, plan, output, cancellationToken);
            if (!trusted)
            {
                plan = plan.WithoutChangedRanges();
                fellBack = true;
            }
        }

        var run = new CopyRun(plan);
        run.AddSampleRead(sampleBytesRead);
        await using var chunks = await _store.StageChunkListAsync(copyId, plan.TotalBytes, cancellationToken);
        var activity = $"Copying snapshot {request.Identity.SnapshotName ?? snapshotId} of {request.Identity.Volume} to {_store.Description}";
        await using (var progress = new TransferProgress(output, activity, plan.TotalBytes))
        {
            await CopyChunksAsync(request.Source, run, chunks, progress, cancellationToken);
        }

        var manifest = run.BuildManifest(copyId, request.Identity, plan.Incremental ? baseManifest!.CopyId : null, started, chunks);
        await _store.CommitManifestAsync(manifest, chunks, cancellationToken);
        output.WriteVerbose($"Copy {manifest.CopyId} committed: {manifest.Statistics!.ChunksNew} new chunks, {manifest.Statistics.ChunksReused} reused, {manifest.Statistics.ChunksZero} zero.");
        return new CopyResult { Manifest = manifest, Incremental = plan.Incremental, FellBackToFullRead = fellBack, Statistics = manifest.Statistics };
    }

    /// <summary>
    /// The copy itself, in three tasks joined by bounded channels: the planner walks the plan in image order and
    /// hands every step to the recorder and every chunk to read to the pipeline (read → hash → store); the
    /// recorder appends each step's entry to the staged chunk list in image order, waiting for a read chunk's
    /// digest when it gets to it. Chunks finish out of order, but the recorder is never more than the channels'
    /// capacity behind, so memory stays bounded whatever the volume's size.
    /// </summary>
    private async Task CopyChunksAsync(IBlockReader source, CopyRun run, StagedChunkList chunks, TransferProgress progress, CancellationToken cancellationToken)
    {
        var plan = run.Plan;
        var parallelism = _options.EffectiveParallelism;
        BlockingIoThreads.Reserve(2 + parallelism + _options.ChunkWriters);
        using var failure = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = failure.Token;
        var steps = Channel.CreateBounded<PlanStep>(new BoundedChannelOptions(StepsAhead) { SingleWriter = true, SingleReader = true });
        var reads = Channel.CreateBounded<long>(new BoundedChannelOptions(parallelism) { SingleWriter = true, SingleReader = true });
        var digests = new ConcurrentDictionary<long, TaskCompletionSource<(string Digest, bool IsZero)>>();

        async Task Stage(Func<Task> body)
        {
            try
            {
                await body();
            }
            catch
            {
                // The others stop on the cancellation; the caller sees this stage's exception, not theirs.
                failure.Cancel();
                throw;
            }
        }

        var planner = Task.Run(() => Stage(async () =>
        {
            await using var baseList = plan.Incremental ? new ChunkListCursor(_store.ReadChunkListAsync(plan.Base!.CopyId, token), token) : null;
            await foreach (var step in plan.StepsAsync(baseList, token))
            {
                if (step.Kind == PlanStepKind.Read) digests[step.Index] = new(TaskCreationOptions.RunContinuationsAsynchronously);
                await steps.Writer.WriteAsync(step, token);
                if (step.Kind == PlanStepKind.Read) await reads.Writer.WriteAsync(step.Index, token);
            }
            steps.Writer.TryComplete();
            reads.Writer.TryComplete();
        }), token);

        var recorder = Task.Run(() => Stage(async () =>
        {
            await using var baseList = plan.Base is null ? null : new ChunkListCursor(_store.ReadChunkListAsync(plan.Base.CopyId, token), token);
            await foreach (var step in steps.Reader.ReadAllAsync(token))
            {
                ChunkRun entry;
                switch (step.Kind)
                {
                    case PlanStepKind.Zeros:
                        entry = ChunkRun.Zeros(step.Index, step.Count);
                        progress.Add(plan.BytesOf(step.Index, step.Index + step.Count));
                        break;
                    case PlanStepKind.Known:
                        entry = ChunkRun.Data(step.Index, step.Digest!);
                        run.AddKnown();
                        progress.Add(plan.LengthOf(step.Index));
                        break;
                    default:
                        var (digest, isZero) = await digests[step.Index].Task.WaitAsync(token);
                        digests.TryRemove(step.Index, out _);
                        entry = isZero ? ChunkRun.Zeros(step.Index, 1) : ChunkRun.Data(step.Index, digest);
                        break;
                }
                chunks.Add(entry);
                if (baseList is not null) await run.CountUnchangedAsync(entry, baseList);
            }
        }), token);

        var pipeline = Task.Run(() => Stage(() => ChunkPipeline.RunAsync(source, reads.Reader.ReadAllAsync(token), plan.ChunkSize, parallelism, _options.ChunkWriters,
            async (chunk, t) =>
            {
                var stored = chunk.IsZero ? 0 : await _store.PutChunkIfAbsentAsync(chunk.Digest, chunk.Data, t);
                run.Settle(chunk, stored);
                progress.Add(chunk.Length);
                digests[chunk.Index].TrySetResult((chunk.Digest, chunk.IsZero));
            },
            token)), token);

        var all = new[] { planner, recorder, pipeline };
        try
        {
            await Task.WhenAll(all);
        }
        catch
        {
            ChunkPipeline.RethrowRootCause(all, cancellationToken);
            throw;
        }
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

    /// <summary>Plan steps the planner may run ahead of the recorder (each a few dozen bytes).</summary>
    private const int StepsAhead = 4096;

    /// <summary>The committed manifest of <paramref name="copyId"/>, or null; a manifest of that id describing another snapshot is refused.</summary>
    private async Task<CopyManifest?> ReadCommittedAsync(string copyId, string snapshotId, CancellationToken cancellationToken)
    {
        // Asked first, not found by an exception: a rerun that finds its manifest committed is the rare case.
        if (!await _store.ManifestExistsAsync(copyId, cancellationToken)) return null;
        var manifest = await _store.ReadManifestAsync(copyId, cancellationToken);
        if (string.Equals(manifest.Source.SnapshotId, snapshotId, StringComparison.Ordinal)) return manifest;
        throw new ConflictException(ErrorIds.AlreadyExists,
            $"'{_store.Description}' already holds a copy {copyId}, of snapshot {manifest.Source.SnapshotId}, not of snapshot {snapshotId}.", copyId, ErrorKind.ResourceExists);
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
    /// Trust but verify the change source: re-read a random sample of the chunks it calls unchanged — of those
    /// reading could disprove: the base's stored chunks and its zero chunks where the snapshot holds data — and
    /// compare them with the base copy. False (after a warning) on any mismatch. Two passes over the base's list
    /// (count, then pick), so only the sample is held.
    /// </summary>
    private async Task<(bool Trusted, long BytesRead)> SampleUnchangedChunksAsync(IBlockReader source, CopyPlan plan, IOperationOutput output, CancellationToken cancellationToken)
    {
        long population = 0;
        await using (var baseList = new ChunkListCursor(_store.ReadChunkListAsync(plan.Base!.CopyId, cancellationToken), cancellationToken))
        {
            await foreach (var _ in plan.CheckableUnchangedChunksAsync(baseList, cancellationToken)) population++;
        }
        var wanted = (long)Math.Min(population, Math.Max(_options.VerificationSampleMinimum, Math.Ceiling(population * _options.VerificationSampleFraction)));
        var ranks = new HashSet<long>();
        while (ranks.Count < wanted) ranks.Add(wanted == population ? ranks.Count : Random.Shared.NextInt64(population));
        var sample = new List<(long Index, string Digest)>((int)Math.Min(wanted, 1 << 20));
        await using (var baseList = new ChunkListCursor(_store.ReadChunkListAsync(plan.Base.CopyId, cancellationToken), cancellationToken))
        {
            long rank = 0;
            await foreach (var candidate in plan.CheckableUnchangedChunksAsync(baseList, cancellationToken))
            {
                if (ranks.Contains(rank++)) sample.Add(candidate);
            }
        }

        var expected = sample.ToDictionary(c => c.Index, c => c.Digest);
        var mismatches = new ConcurrentBag<long>();
        long bytesRead = 0;
        await ChunkPipeline.RunAsync(source, sample.Select(c => c.Index).ToArray(), plan.ChunkSize, _options.EffectiveParallelism, consumers: 1,
            (chunk, _) =>
            {
                if (chunk.Digest != expected[chunk.Index]) mismatches.Add(chunk.Index);
                Interlocked.Add(ref bytesRead, chunk.Length);
                return ValueTask.CompletedTask;
            },
            cancellationToken);
        if (mismatches.IsEmpty)
        {
            output.WriteVerbose($"Change source checked: {sample.Count} chunks claimed unchanged match the base copy.");
            return (true, bytesRead);
        }
        output.WriteWarning(
            $"The driver reported chunk(s) {string.Join(", ", mismatches.Order().Take(5))} as unchanged since the base copy, but they differ; " +
            "reading the whole snapshot instead of the changed ranges.");
        return (false, bytesRead);
    }
}
