using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Operations;
using StorageSnapshot.Engine.Secondary.Repository;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Orchestration;

/// <summary>
/// One path for every change of state (issue 9): inventory-only changes leave one event each and no journal
/// entry; driver operations check maintenance and the backend's properties once, in phase one, against the
/// session they opened; operations on secondary storage alone run through the same runner under the storage's
/// host lock, journaled like the others, and a dead one is found by the same scan.
/// </summary>
[Trait(InventoryKinds.Trait, InventoryKinds.Each)]
public sealed class OnePathTests : IAsyncLifetime
{
    private EngineTestBed bed = null!;

    public async Task InitializeAsync() => bed = await EngineTestBed.CreateAsync();

    public async Task DisposeAsync() => await bed.DisposeAsync();

    private async Task<IReadOnlyList<StorageEvent>> EventsAfterAsync(long sequence) =>
        await bed.Engine.Inventory.ListEventsAsync(sequence, int.MaxValue, CancellationToken.None);

    private async Task<long> LastSequenceAsync() =>
        (await bed.Engine.Inventory.ListEventsAsync(0, int.MaxValue, CancellationToken.None)).LastOrDefault()?.Sequence ?? 0;

    [Fact]
    public async Task Every_inventory_only_change_leaves_exactly_one_event_and_no_journal_entry()
    {
        var snapshot = await bed.NewSnapshotAsync((await bed.NewVolumeAsync("db01")).Name, "nightly");
        var journal = (await bed.Engine.GetOperationsAsync(null, OperationContext.Unattended())).Count;
        var other = Directory.CreateDirectory(Path.Combine(bed.Root, "other")).FullName;
        var changes = new (Func<Task> Change, EventKind Kind, TargetKind Target, string Id)[]
        {
            (() => bed.Engine.RegisterBackendAsync(new RegisterBackendRequest("lab2", "directory", new Dictionary<string, object?> { ["Path"] = other }), OperationContext.Unattended()),
                EventKind.BackendRegistered, TargetKind.Backend, "lab2"),
            (() => bed.Engine.SetBackendAsync(new SetBackendRequest("lab2") { MaintenanceMode = true, Reason = "disks" }, OperationContext.Unattended()),
                EventKind.BackendMaintenanceOn, TargetKind.Backend, "lab2"),
            (() => bed.Engine.SetBackendAsync(new SetBackendRequest("lab2") { Reason = "more disks" }, OperationContext.Unattended()),
                EventKind.BackendUpdated, TargetKind.Backend, "lab2"),
            (() => bed.Engine.SetBackendAsync(new SetBackendRequest("lab2") { MaintenanceMode = false }, OperationContext.Unattended()),
                EventKind.BackendMaintenanceOff, TargetKind.Backend, "lab2"),
            (() => bed.Engine.UnregisterBackendAsync("lab2", OperationContext.Unattended()),
                EventKind.BackendUnregistered, TargetKind.Backend, "lab2"),
            (() => bed.Engine.SetSnapshotAsync(new SetSnapshotRequest(SnapshotSelector.Of(snapshot)) { Description = "kept" }, OperationContext.Unattended()),
                EventKind.SnapshotUpdated, TargetKind.Snapshot, snapshot.Id),
            (() => bed.Engine.RegisterSecondaryStorageAsync(new RegisterSecondaryStorageRequest("nfs1", Path.Combine(bed.Root, "secondary")) { CreateDirectory = true }, OperationContext.Unattended()),
                EventKind.SecondaryStorageRegistered, TargetKind.SecondaryStorage, "nfs1"),
            (() => bed.Engine.UnregisterSecondaryStorageAsync("nfs1", OperationContext.Unattended()),
                EventKind.SecondaryStorageUnregistered, TargetKind.SecondaryStorage, "nfs1"),
        };

        foreach (var (change, kind, target, id) in changes)
        {
            var before = await LastSequenceAsync();
            await change();
            var recorded = Assert.Single(await EventsAfterAsync(before));
            Assert.Equal((kind, target, id, (string?)null), (recorded.Kind, recorded.TargetKind, recorded.TargetId, recorded.OperationId));
        }
        Assert.Equal(journal, (await bed.Engine.GetOperationsAsync(null, OperationContext.Unattended())).Count);
        var updated = (await EventsAfterAsync(0)).Single(e => e.Kind == EventKind.SnapshotUpdated);
        Assert.Equal((EngineTestBed.Backend, "db01"), (updated.Backend, updated.Volume));
    }

    [Fact]
    public async Task Maintenance_switched_on_after_the_facade_looked_is_refused_in_phase_one_with_nothing_written()
    {
        var volume = await bed.NewVolumeAsync("db01");
        var before = await bed.CaptureAsync();
        bed.Driver.Opened = async _ =>
        {
            bed.Driver.Opened = null;
            await bed.Engine.SetBackendAsync(new SetBackendRequest(EngineTestBed.Backend) { MaintenanceMode = true, Reason = "controller swap" }, OperationContext.Unattended());
        };

        var refused = await Assert.ThrowsAsync<BackendInMaintenanceException>(() =>
            bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(volume)), OperationContext.Unattended()));

        Assert.Contains("controller swap", refused.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorHint.EndMaintenance(EngineTestBed.Backend), refused.Hint);
        Assert.DoesNotContain("CreateSnapshot", bed.Driver.Calls);
        Assert.DoesNotContain(await bed.Engine.GetOperationsAsync(null, OperationContext.Unattended()), o => o.Kind == OperationKind.CreateSnapshot);
        Assert.Empty(await bed.Engine.GetSnapshotsAsync(new SnapshotFilter(), OperationContext.Unattended()));
        Assert.NotEqual(before, await bed.CaptureAsync()); // the backend changed (maintenance on) ...
        await bed.Engine.SetBackendAsync(new SetBackendRequest(EngineTestBed.Backend) { MaintenanceMode = false }, OperationContext.Unattended());
        Assert.NotNull(await bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(volume)), OperationContext.Unattended())); // ... and nothing else
    }

    [Fact]
    public async Task Properties_changed_after_the_session_was_opened_are_refused_in_phase_one_with_nothing_written()
    {
        var moved = Directory.CreateDirectory(Path.Combine(bed.Root, "moved")).FullName;
        var opened = 0;
        bed.Driver.Opened = async _ =>
        {
            // The first session is the façade's capacity check; the second is the operation's.
            if (++opened < 2) return;
            bed.Driver.Opened = null;
            // No volume yet, so the location may move: the session was opened on the old one.
            await bed.Engine.SetBackendAsync(new SetBackendRequest(EngineTestBed.Backend) { Properties = new Dictionary<string, object?> { ["Path"] = moved } }, OperationContext.Unattended());
        };

        var refused = await Assert.ThrowsAsync<ConflictException>(() =>
            bed.Engine.NewVolumeAsync(new NewVolumeRequest(EngineTestBed.Backend, "db01", 1 << 20), OperationContext.Unattended()));

        Assert.Equal(ErrorIds.InvalidState, refused.ErrorId);
        Assert.Contains("changed while this operation was starting; nothing was changed", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("CreateVolume", bed.Driver.Calls);
        Assert.Empty(await bed.Engine.GetOperationsAsync(null, OperationContext.Unattended()));
        Assert.Empty(await bed.Engine.GetVolumesAsync(new VolumeFilter(), OperationContext.Unattended()));
        Assert.Empty(Directory.EnumerateFileSystemEntries(bed.BackendPath));
        Assert.Empty(Directory.EnumerateFileSystemEntries(moved));
    }

    [Fact]
    public async Task A_secondary_storage_operation_is_journaled_under_the_storage_lock_with_its_event()
    {
        var (storage, copy) = await CopyAsync();
        var runner = Runner();
        var probe = new ProbeRepositoryOperation(storage, copy, bed.Locks);

        var manifests = await runner.RunAsync(probe, OperationContext.Unattended());

        Assert.Equal(1, manifests);
        Assert.True(probe.HeldStorageLock);
        var entry = Assert.Single(await bed.Engine.GetOperationsAsync(null, OperationContext.Unattended()), o => o.Kind == OperationKind.DeleteCopy);
        Assert.Equal((OperationState.Succeeded, (string?)null, (string?)null, "nfs1", TargetKind.Copy, copy.Id),
            (entry.State, entry.Backend, entry.Volume, entry.Destination, entry.TargetKind, entry.TargetId));
        Assert.Equal(new DeleteCopyDetails { CopyId = copy.Id, Destination = "nfs1", Repository = storage.Path }, entry.Details);
        var recorded = Assert.Single(await EventsAfterAsync(0), e => e.OperationId == entry.Id);
        Assert.Equal((EventKind.CopyDeleted, TargetKind.Copy, copy.Id), (recorded.Kind, recorded.TargetKind, recorded.TargetId));
    }

    [Fact]
    public async Task A_failing_secondary_storage_operation_is_recorded_Failed_after_compensation()
    {
        var (storage, copy) = await CopyAsync();
        var probe = new ProbeRepositoryOperation(storage, copy, bed.Locks) { Failure = new IOException("the share went away") };

        var error = await Assert.ThrowsAsync<StorageSnapshotException>(() => Runner().RunAsync(probe, OperationContext.Unattended()));

        Assert.Equal(ErrorIds.SecondaryStorageFailed, error.ErrorId);
        Assert.Contains("the share went away", error.Message, StringComparison.Ordinal);
        Assert.True(probe.Compensated);
        Assert.Equal("the share went away", probe.FailedWith?.Split(": ").Last());
        var entry = Assert.Single(await bed.Engine.GetOperationsAsync(null, OperationContext.Unattended()), o => o.Kind == OperationKind.DeleteCopy);
        Assert.Equal(OperationState.Failed, entry.State);
        Assert.Contains(await EventsAfterAsync(0), e => e.Kind == EventKind.OperationFailed && e.OperationId == entry.Id);
    }

    [Fact]
    public async Task A_held_storage_lock_makes_a_secondary_storage_operation_wait_then_refuse_naming_the_storage()
    {
        var (storage, copy) = await CopyAsync();
        await using var held = await bed.HoldLockAsync(VolumeLock.KeyForSecondaryStorage("NFS1"));
        var runner = new OperationRunner(bed.Options(TimeSpan.FromMilliseconds(100)).ForRunner(), bed.Engine.Inventory, bed.Engine.Secrets);

        var busy = await Assert.ThrowsAsync<ConflictException>(() => runner.RunAsync(new ProbeRepositoryOperation(storage, copy, bed.Locks), OperationContext.Unattended()));

        Assert.Equal((ErrorIds.InvalidState, ErrorKind.ResourceBusy), (busy.ErrorId, busy.Kind));
        Assert.StartsWith("Secondary storage 'nfs1' is busy", busy.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(await bed.Engine.GetOperationsAsync(null, OperationContext.Unattended()), o => o.Kind == OperationKind.DeleteCopy);
    }

    [Fact]
    public async Task A_dead_secondary_storage_operation_is_marked_NeedsRecovery_by_its_storage_lock()
    {
        var (storage, copy) = await CopyAsync();
        var running = new Operation
        {
            Id = StorageSnapshot.Engine.Naming.Ids.New(), Kind = OperationKind.DeleteCopy, State = OperationState.Running, Destination = storage.Name,
            TargetKind = TargetKind.Copy, TargetId = copy.Id, StartedUtc = DateTime.UtcNow, Owner = OperationOwner.Current,
            Details = new DeleteCopyDetails { CopyId = copy.Id, Destination = storage.Name, Repository = storage.Path },
        };
        await using (var transaction = await bed.Engine.Inventory.BeginAsync(CancellationToken.None))
        {
            await transaction.InsertOperationAsync(running, CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
        }

        // While its lock is held (its process alive), it is left alone; once free, it is dead.
        await using (await bed.HoldLockAsync(VolumeLock.KeyForSecondaryStorage(storage.Name)))
        {
            Assert.Empty(await DeadOperationDetector.MarkAsync(bed.Engine.Inventory, bed.Engine.Options.LockDirectory, CancellationToken.None));
        }
        var marked = Assert.Single(await DeadOperationDetector.MarkAsync(bed.Engine.Inventory, bed.Engine.Options.LockDirectory, CancellationToken.None));
        Assert.Equal((running.Id, OperationState.NeedsRecovery), (marked.Id, marked.State));
        Assert.Equal(running.Details, marked.Details);
        Assert.Contains(await EventsAfterAsync(0), e => e.Kind == EventKind.OperationNeedsRecovery && e.OperationId == running.Id && e.TargetKind == TargetKind.Copy);
    }

    [Fact]
    public async Task Copies_and_restores_name_their_destination_in_the_journal()
    {
        var (_, copy) = await CopyAsync();
        await bed.Engine.NewVolumeFromCopyAsync(new NewVolumeFromCopyRequest("db01-restored", copy.Id), OperationContext.Unattended());

        var entries = await bed.Engine.GetOperationsAsync(null, OperationContext.Unattended());
        Assert.Equal("nfs1", entries.Single(o => o.Kind == OperationKind.CopyToSecondary).Destination);
        Assert.Equal("nfs1", entries.Single(o => o.Kind == OperationKind.RestoreFromCopy).Destination);
        Assert.All(entries.Where(o => o.Kind is OperationKind.CreateVolume or OperationKind.CreateSnapshot), o => Assert.Null(o.Destination));
    }

    private OperationRunner Runner() => new(bed.Engine.Options.ForRunner(), bed.Engine.Inventory, bed.Engine.Secrets);

    private async Task<(SecondaryStorage Storage, SnapshotCopy Copy)> CopyAsync()
    {
        var storage = await bed.Engine.RegisterSecondaryStorageAsync(
            new RegisterSecondaryStorageRequest("nfs1", Path.Combine(bed.Root, "secondary")) { CreateDirectory = true, ChunkSizeBytes = 64 << 10 }, OperationContext.Unattended());
        var snapshot = await bed.NewSnapshotAsync((await bed.NewVolumeAsync("db01")).Name, "nightly");
        var copy = await bed.Engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(SnapshotSelector.Of(snapshot), "nfs1"), OperationContext.Unattended());
        return (storage!, copy!);
    }

    /// <summary>
    /// A stand-in for the secondary-storage operations (copy removal, chunk collection) to drive the runner's
    /// hook for them: it counts the repository's manifests (or fails), and records what the runner asked of it.
    /// </summary>
    private sealed class ProbeRepositoryOperation(SecondaryStorage storage, SnapshotCopy copy, IOperationLocks locks) : RepositoryOperation<int>(storage)
    {
        private int manifests;

        public Exception? Failure { get; init; }
        public bool HeldStorageLock { get; private set; }
        public bool Compensated { get; private set; }
        public string? FailedWith { get; private set; }

        public override OperationKind Kind => OperationKind.DeleteCopy;
        public override TargetKind TargetKind => TargetKind.Copy;
        public override string TargetId => copy.Id;
        public override string TargetDescription => $"copy {copy.Id} on '{Storage.Name}'";
        public override string Verb => "count the manifests";
        public override OperationDetails Details => new DeleteCopyDetails { CopyId = copy.Id, Destination = Storage.Name, Repository = Storage.Path };

        public override Task<PhaseOneOutcome<int>> PrepareAsync(IInventoryTransaction transaction, IOperationOutput output, CancellationToken cancellationToken) =>
            Task.FromResult(PhaseOneOutcome<int>.Continue);

        public override async Task ExecuteAsync(IChunkStore store, CancellationToken cancellationToken)
        {
            await using (var probe = await locks.TryAcquireAsync(VolumeLock.KeyForSecondaryStorage(Storage.Name), cancellationToken))
                HeldStorageLock = probe is null;
            if (Failure is not null) throw Failure;
            manifests = (await store.ListManifestsAsync(cancellationToken)).Count;
        }

        public override Task CompensateAsync(IChunkStore store, CancellationToken cancellationToken)
        {
            Compensated = true;
            return Task.CompletedTask;
        }

        public override Task<(int Result, string Message, long? Bytes)> CompleteAsync(IInventoryTransaction transaction, string operationId, CancellationToken cancellationToken) =>
            Task.FromResult((manifests, $"Counted {manifests} manifest(s).", (long?)null));

        public override Task FailAsync(IInventoryTransaction transaction, FailureOutcome failure, CancellationToken cancellationToken)
        {
            FailedWith = failure.Message;
            return Task.CompletedTask;
        }
    }
}
