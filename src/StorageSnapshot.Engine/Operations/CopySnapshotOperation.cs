using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Naming;
using StorageSnapshot.Engine.Secondary;
using StorageSnapshot.Engine.Secondary.Copy;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// Copy-SnapshotToSecondary as a journaled operation under the volume lock (so the snapshot cannot be deleted
/// or the volume reverted underneath the copy). Phase one records the copy as Copying — or, when the snapshot
/// already has a copy there: returns it if Copied, takes over its record if a dead or failed run left it
/// Copying/Failed (the rerun reuses every chunk that run stored) — and chooses the base of an incremental copy
/// from the inventory's records (see <see cref="ChooseBaseAsync"/>); the repository's manifests are never
/// scanned. The work is <see cref="SnapshotCopier"/>, under the record's copy id: a run that committed its
/// manifest but died before phase two is found by that id and finished, not copied again. Nothing needs
/// undoing on failure (no manifest was committed; stored chunks wait for a rerun or collection).
/// </summary>
internal sealed class CopySnapshotOperation : TwoPhaseOperation<SnapshotCopy>
{
    private readonly Snapshot snapshot;
    private readonly SecondaryStorage storage;
    private readonly bool full;
    private readonly IOperationOutput output;
    private readonly ChunkStoreRegistry stores;
    private readonly CopyCounters counters = new();
    private SnapshotCopy copy;
    private SnapshotCopy? baseCopy;
    private Snapshot? baseSnapshot;
    private CopyResult? result;
    private DateTime? startedUtc;

    /// <param name="stores">The kinds of secondary storage (<see cref="Facade.EngineOptions.ChunkStores"/>): how the destination's repository is opened.</param>
    public CopySnapshotOperation(Snapshot snapshot, Volume volume, SecondaryStorage storage, bool full, IOperationOutput output, ChunkStoreRegistry stores)
        : base(volume.Backend, volume.Name)
    {
        this.stores = stores;
        this.snapshot = snapshot;
        this.storage = storage;
        this.full = full;
        this.output = output;
        copy = new SnapshotCopy
        {
            Id = Ids.New(),
            Destination = storage.Name,
            Backend = snapshot.Backend,
            Volume = snapshot.Volume,
            VolumeId = snapshot.VolumeId,
            SnapshotId = snapshot.Id,
            Snapshot = snapshot.Name,
            State = CopyState.Copying,
            SizeBytes = snapshot.SizeBytes,
            CreatedUtc = ToMilliseconds(DateTime.UtcNow),
        };
    }

    private static DateTime ToMilliseconds(DateTime utc) => new(utc.Ticks - utc.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);

    public override OperationKind Kind => OperationKind.CopyToSecondary;
    public override TargetKind TargetKind => TargetKind.Copy;
    public override string TargetId => copy.Id;
    public override string TargetDescription => $"copy of {TargetNames.Snapshot(snapshot)} on secondary storage '{storage.Name}'";
    public override string Verb => "copy the snapshot to secondary storage";
    public override DriverCapabilities RequiredCapability => DriverCapabilities.ReadSnapshot;

    public override string? Destination => storage.Name;

    public override OperationDetails Details =>
        new CopyToSecondaryDetails { SnapshotId = snapshot.Id, Destination = storage.Name, Repository = storage.Path, BaseCopyId = baseCopy?.Id };

    public override async Task<PhaseOneOutcome<SnapshotCopy>> PrepareAsync(IInventoryTransaction transaction, IOperationOutput output, CancellationToken cancellationToken)
    {
        var current = await transaction.GetSnapshotAsync(snapshot.Id, cancellationToken).ConfigureAwait(false)
                      ?? throw EngineErrors.SnapshotNotFound($"with id '{snapshot.Id}'", snapshot.Id);
        if (current.State != SnapshotState.Ready)
            throw EngineErrors.InvalidState($"Cannot copy {TargetNames.Snapshot(current)}: it is {current.State}, not Ready.", current);
        if (await transaction.GetSecondaryStorageAsync(storage.Name, cancellationToken).ConfigureAwait(false) is null)
            throw SecondaryErrors.StorageNotFound(storage.Name);

        var earlier = await transaction.ListCopiesAsync(new CopyQuery { SnapshotIds = new[] { snapshot.Id }, Destinations = new[] { storage.Name } }, cancellationToken).ConfigureAwait(false);
        if (earlier.FirstOrDefault(c => c.State == CopyState.Copied) is { } done)
        {
            output.WriteVerbose($"{TargetNames.Capitalize(TargetNames.Snapshot(snapshot))} already has copy {done.Id} on '{storage.Name}'.");
            return PhaseOneOutcome<SnapshotCopy>.Finish(done);
        }
        if (earlier.FirstOrDefault(c => c.State is CopyState.Copying or CopyState.Failed) is { } unfinished)
        {
            // We hold the volume lock, so no live process is copying it: a Copying record is a dead run's.
            output.WriteVerbose($"Resuming copy {unfinished.Id} (left {unfinished.State}); chunks it stored are reused.");
            copy = unfinished with { State = CopyState.Copying, ErrorMessage = null, CreatedUtc = ToMilliseconds(DateTime.UtcNow) };
            await transaction.UpdateCopyAsync(copy, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await transaction.InsertCopyAsync(copy, cancellationToken).ConfigureAwait(false);
        }
        if (!full) await ChooseBaseAsync(transaction, current, cancellationToken).ConfigureAwait(false);
        return PhaseOneOutcome<SnapshotCopy>.Continue;
    }

    /// <summary>
    /// The base of an incremental copy, from the inventory: the newest Copied copy on this destination of an older
    /// snapshot of the same volume (by the snapshot's time while it exists, else by when its copy was made), and
    /// that snapshot when it still exists (changed ranges need it). Chosen once, here; the copier reads the base's
    /// manifest and falls back to a full copy if it cannot be used.
    /// </summary>
    private async Task ChooseBaseAsync(IInventoryTransaction transaction, Snapshot current, CancellationToken cancellationToken)
    {
        if (current.VolumeId is null) return;
        var candidates = (await transaction.ListCopiesAsync(new CopyQuery
        {
            VolumeId = current.VolumeId,
            Destinations = new[] { storage.Name },
            States = new[] { CopyState.Copied },
        }, cancellationToken).ConfigureAwait(false)).Where(c => c.SnapshotId != current.Id).ToList();
        if (candidates.Count == 0) return;
        var snapshots = (await transaction.ListSnapshotsAsync(new SnapshotQuery { Ids = candidates.Select(c => c.SnapshotId).ToArray() }, cancellationToken).ConfigureAwait(false))
            .ToDictionary(s => s.Id, StringComparer.Ordinal);
        DateTime TimeOf(SnapshotCopy c) => snapshots.TryGetValue(c.SnapshotId, out var s) ? s.CreatedUtc : c.CreatedUtc;
        baseCopy = candidates
            .Where(c => TimeOf(c) <= current.CreatedUtc)
            .MaxBy(c => (TimeOf(c), c.CreatedUtc));
        baseSnapshot = baseCopy is not null && snapshots.TryGetValue(baseCopy.SnapshotId, out var found) ? found : null;
    }

    public override async Task ExecuteAsync(IDriverBackend driver, CancellationToken cancellationToken)
    {
        startedUtc = DateTime.UtcNow;
        await using var store = await stores.OpenAsync(storage, cancellationToken).ConfigureAwait(false);
        var ranges = baseCopy is null ? null : await ChangedRangesAsync(driver, cancellationToken).ConfigureAwait(false);
        using var reader = await driver.OpenSnapshotReaderAsync(DriverObjects.Of(snapshot), cancellationToken).ConfigureAwait(false);
        // Counted, so that a failed or stopped copy records what it really stored (and a rerun reuses); the
        // progress names the destination by its name, not by its path.
        var activity = $"Copying snapshot '{snapshot.Name}' of volume '{snapshot.Volume}' to {storage.Name}";
        try
        {
            result = await new SnapshotCopier(counters.Count(store)).CopyAsync(new CopyRequest
            {
                Source = counters.Count(reader),
                Identity = CopySource.Of(snapshot),
                CopyId = copy.Id,
                BaseCopyId = baseCopy?.Id,
                ChangedRanges = ranges,
            }, new RelabelledProgress(output, activity), cancellationToken).ConfigureAwait(false);
        }
        catch (SecondaryStorageFullException full)
        {
            // Named after the destination, with the exact way to free space (what the journal and the user see).
            throw SecondaryStorageErrors.ForCopy(full, storage.Name, copy.Id);
        }
    }

    /// <summary>What a stopped or failed copy kept, and how to resume: for the error the runner raises.</summary>
    public override string? AfterFailure =>
        counters.ChunksStored == 0
            ? $"No chunk had been stored on '{storage.Name}' yet; copy {copy.Id} is recorded as Failed."
            : $"Kept on '{storage.Name}': {counters.ChunksStored} chunk(s), {counters.BytesStored} bytes, recorded on copy {copy.Id} (Failed); " +
              "no copy is visible until one completes.";

    public override (string Words, ErrorHint Hint)? HowToResume =>
        ($"Copy snapshot '{snapshot.Name}' of volume '{snapshot.Volume}' to '{storage.Name}' again: that resumes copy {copy.Id} and reuses every chunk already stored.",
            ErrorHint.RerunCopy(snapshot.Name, snapshot.Volume, storage.Name, copy.Id));

    /// <summary>
    /// The ranges changed between the base copy's snapshot and this one, when the driver can tell them and that
    /// snapshot still exists; null otherwise (the base then serves for the changed-bytes figure and the copy
    /// reads everything).
    /// </summary>
    private async Task<IReadOnlyList<ByteRange>?> ChangedRangesAsync(IDriverBackend driver, CancellationToken cancellationToken)
    {
        if (!driver.Capabilities.HasFlag(DriverCapabilities.ChangedRanges) || baseSnapshot is not { State: SnapshotState.Ready, DriverReference: not null }
            || baseSnapshot.VolumeId != snapshot.VolumeId)
        {
            output.WriteVerbose($"Reading everything, against base copy {baseCopy!.Id}: no changed ranges are available (driver or base snapshot).");
            return null;
        }
        var ranges = await driver.GetChangedRangesAsync(DriverObjects.Of(baseSnapshot), DriverObjects.Of(snapshot), cancellationToken).ConfigureAwait(false);
        output.WriteVerbose($"Incremental copy against {baseCopy!.Id}: {ranges.Count} changed range(s), {ranges.Sum(r => r.Length)} bytes.");
        return ranges;
    }

    public override async Task<(SnapshotCopy Result, string Message, long? Bytes)> CompleteAsync(IInventoryTransaction transaction, string operationId, CancellationToken cancellationToken)
    {
        var manifest = result!.Manifest;
        var statistics = result.Statistics;
        var duration = TimeSpan.FromMilliseconds(Math.Round(statistics.DurationSeconds * 1000));
        var copied = copy with
        {
            State = CopyState.Copied,
            BaseCopyId = manifest.BaseCopyId,
            SizeBytes = manifest.TotalBytes,
            BytesRead = statistics.BytesRead,
            BytesWritten = statistics.BytesWritten,
            BytesChanged = statistics.BytesChanged,
            // As the inventory keeps them (milliseconds), so the result equals what Get-SnapshotCopy shows.
            Duration = duration,
            BytesPerSecond = duration > TimeSpan.Zero ? statistics.BytesRead / duration.TotalSeconds : 0,
            ImageSha256 = manifest.ImageSha256,
            CompletedUtc = ToMilliseconds(manifest.CreatedUtc),
            ErrorMessage = null,
        };
        await transaction.UpdateCopyAsync(copied, cancellationToken).ConfigureAwait(false);
        var how = result.Incremental ? $"incrementally from {manifest.BaseCopyId}" : "in full";
        return (copied, $"Copied {TargetNames.Snapshot(snapshot)} to '{storage.Name}' {how}: read {copied.BytesRead} bytes, wrote {copied.BytesWritten}.", copied.BytesWritten);
    }

    // No manifest was committed: nothing is visible, and the chunks already stored are what a rerun reuses.
    public override Task CompensateAsync(IDriverBackend driver, CancellationToken cancellationToken) => Task.CompletedTask;

    public override Task FailAsync(IInventoryTransaction transaction, FailureOutcome failure, CancellationToken cancellationToken)
    {
        // The figures of the run that failed: what it read and what it really stored (a rerun reuses those chunks).
        var duration = startedUtc is { } started ? TimeSpan.FromMilliseconds(Math.Round((DateTime.UtcNow - started).TotalMilliseconds)) : TimeSpan.Zero;
        return transaction.UpdateCopyAsync(copy with
        {
            State = CopyState.Failed,
            ErrorMessage = failure.Message,
            BytesRead = counters.BytesRead,
            BytesWritten = counters.BytesStored,
            Duration = duration,
            BytesPerSecond = duration > TimeSpan.Zero ? counters.BytesRead / duration.TotalSeconds : 0,
        }, cancellationToken);
    }

    /// <summary>The copier's output with its progress records under the activity this operation names.</summary>
    private sealed class RelabelledProgress(IOperationOutput inner, string activity) : IOperationOutput
    {
        public void WriteVerbose(string message) => inner.WriteVerbose(message);
        public void WriteWarning(string message) => inner.WriteWarning(message);
        public void WriteProgress(ProgressInfo progress) => inner.WriteProgress(progress with { Activity = activity });
        public void WriteError(StorageSnapshotException error) => inner.WriteError(error);
    }
}

/// <summary>Errors of the secondary-storage use cases.</summary>
internal static class SecondaryErrors
{
    public static ObjectNotFoundException StorageNotFound(string name) =>
        new(ErrorIds.SecondaryStorageNotFound, $"No secondary storage named '{name}' is registered.", name);

    public static ObjectNotFoundException CopyNotFound(string what, object? target) =>
        new(ErrorIds.CopyNotFound, $"No copy {what} is recorded.", target);
}
