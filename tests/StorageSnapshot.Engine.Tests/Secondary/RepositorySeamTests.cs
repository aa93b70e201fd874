using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Naming;
using StorageSnapshot.Engine.Operations;
using StorageSnapshot.Engine.Secondary;
using StorageSnapshot.Engine.Secondary.Repository;
using StorageSnapshot.Engine.Tests.Orchestration;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Secondary;

/// <summary>
/// Issue 9: the engine reaches repositories only through the chunk-store registry of its options; a copy reads its
/// own manifest and its base's, never the whole repository, and keeps its idempotence when the inventory lost
/// track of a commit; copy removal and chunk collection are journaled operations under the repository's locks.
/// </summary>
[Trait(InventoryKinds.Trait, InventoryKinds.Each)]
public sealed class RepositorySeamTests : IAsyncLifetime
{
    private const int Chunk = 64 << 10;
    private EngineTestBed _bed = null!;
    private StorageSnapshotEngine _engine = null!;
    private readonly CountingKind _kind = new();
    private string _repository = null!;

    public async Task InitializeAsync()
    {
        _bed = await EngineTestBed.CreateAsync();
        // The engine under test: the bed's options with a registry whose "filesystem" kind counts what is read.
        _engine = await StorageSnapshotEngine.OpenAsync(_bed.Options(TimeSpan.FromSeconds(1)) with { ChunkStores = new ChunkStoreRegistry().Add(_kind) },
            CancellationToken.None);
        _repository = Path.Combine(_bed.Root, "secondary");
        await _engine.RegisterSecondaryStorageAsync(new RegisterSecondaryStorageRequest("nfs1", _repository) { CreateDirectory = true, ChunkSizeBytes = Chunk },
            OperationContext.Unattended());
    }

    public async Task DisposeAsync()
    {
        await _engine.DisposeAsync();
        await _bed.DisposeAsync();
    }

    private async Task<(Volume Volume, Snapshot Snapshot)> SnapshotAsync(string volumeName, string snapshotName, int seed, Volume? volume = null)
    {
        volume ??= await _bed.NewVolumeAsync(volumeName, 8 * Chunk);
        var data = new byte[3 * Chunk];
        new Random(seed).NextBytes(data);
        EngineTestBed.Write(volume, seed % 4 * Chunk, data);
        return (volume, await _bed.NewSnapshotAsync(volumeName, snapshotName));
    }

    private async Task<SnapshotCopy> CopyAsync(Snapshot snapshot) =>
        (await _engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(SnapshotSelector.Of(snapshot), "nfs1"), OperationContext.Unattended()))!;

    private Task<IReadOnlyList<Operation>> JournalAsync() => _engine.GetOperationsAsync(null, OperationContext.Unattended());

    [Fact]
    public async Task A_copy_reads_its_own_manifest_and_its_bases_never_the_repositorys_list()
    {
        var (volume, s1) = await SnapshotAsync("db01", "s1", seed: 1);
        var first = await CopyAsync(s1);
        await CopyAsync((await SnapshotAsync("other", "o1", seed: 2)).Snapshot);
        var (_, s2) = await SnapshotAsync("db01", "s2", seed: 3, volume);
        _kind.Reset();

        var second = await CopyAsync(s2);

        Assert.Equal(0, _kind.ManifestListings);
        Assert.Subset(new HashSet<string> { first.Id, second.Id }, _kind.ManifestsRead.ToHashSet());
        Assert.Contains(first.Id, _kind.ManifestsRead);
        // The base was chosen from the inventory in phase one, and journaled (the copy is incremental against it
        // where the filesystem reports changed ranges; here it may read everything and count changes against it).
        Assert.True(second.BaseCopyId is null || second.BaseCopyId == first.Id, second.BaseCopyId);
        var journal = (await JournalAsync()).Single(o => o.Kind == OperationKind.CopyToSecondary && o.TargetId == second.Id);
        Assert.Equal(first.Id, Assert.IsType<CopyToSecondaryDetails>(journal.Details).BaseCopyId);
    }

    [Fact]
    public async Task A_copy_committed_before_its_process_died_is_finished_by_the_rerun_not_copied_again()
    {
        var (_, snapshot) = await SnapshotAsync("db01", "s1", seed: 4);
        var copied = await CopyAsync(snapshot);
        // What a kill between the manifest's commit and phase two leaves: the record still Copying.
        await using (var transaction = await _engine.Inventory.BeginAsync(CancellationToken.None))
        {
            await transaction.UpdateCopyAsync(copied with { State = CopyState.Copying, CompletedUtc = null }, CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
        }
        _kind.Reset();

        var rerun = await CopyAsync(snapshot);

        Assert.Equal((copied.Id, CopyState.Copied, copied.ImageSha256), (rerun.Id, rerun.State, rerun.ImageSha256));
        Assert.Equal(0, _kind.ChunksPut);
        Assert.Single(Directory.EnumerateFiles(Path.Combine(_repository, "manifests")));
    }

    [Fact]
    public async Task Removing_a_copy_is_journaled_and_an_unreachable_repository_leaves_the_copy_as_it_was()
    {
        var (_, snapshot) = await SnapshotAsync("db01", "s1", seed: 5);
        var copy = await CopyAsync(snapshot);
        var moved = _repository + ".away";
        Directory.Move(_repository, moved); // the share is unmounted

        var error = await Assert.ThrowsAsync<StorageSnapshotException>(() => _engine.RemoveSnapshotCopyAsync(copy.Id, OperationContext.Unattended()));

        Assert.Equal(ErrorIds.SecondaryStorageFailed, error.ErrorId);
        Assert.Equal(CopyState.Copied, (await _engine.Inventory.GetCopyAsync(copy.Id, CancellationToken.None))!.State);
        Assert.DoesNotContain(await JournalAsync(), o => o.Kind == OperationKind.DeleteCopy);

        Directory.Move(moved, _repository);
        Assert.True(await _engine.RemoveSnapshotCopyAsync(copy.Id, OperationContext.Unattended(), gracePeriod: TimeSpan.Zero));

        Assert.Null(await _engine.Inventory.GetCopyAsync(copy.Id, CancellationToken.None));
        var removal = Assert.Single(await JournalAsync(), o => o.Kind == OperationKind.DeleteCopy);
        Assert.Equal((OperationState.Succeeded, TargetKind.Copy, copy.Id, (string?)null, (string?)null, "nfs1"),
            (removal.State, removal.TargetKind, removal.TargetId, removal.Backend, removal.Volume, removal.Destination));
        var details = Assert.IsType<DeleteCopyDetails>(removal.Details);
        Assert.Equal((copy.Id, copy.SnapshotId, (CopyState?)CopyState.Copied, _repository), (details.CopyId, details.CopySnapshotId, details.StateBefore, details.Repository));
        var deleted = Assert.Single(await _engine.Inventory.ListEventsAsync(0, int.MaxValue, CancellationToken.None), e => e.Kind == EventKind.CopyDeleted);
        Assert.Equal(removal.Id, deleted.OperationId);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_repository, "chunks"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_removal_whose_manifest_deletion_fails_gives_the_copy_its_state_back_and_is_journaled_Failed()
    {
        var (_, snapshot) = await SnapshotAsync("db01", "s1", seed: 8);
        var copy = await CopyAsync(snapshot);
        _kind.FailManifestDeletes = true;

        var error = await Assert.ThrowsAsync<StorageSnapshotException>(() => _engine.RemoveSnapshotCopyAsync(copy.Id, OperationContext.Unattended()));

        Assert.Equal(ErrorIds.SecondaryStorageFailed, error.ErrorId);
        Assert.Contains("the share went away", error.Message, StringComparison.Ordinal);
        Assert.Equal(CopyState.Copied, (await _engine.Inventory.GetCopyAsync(copy.Id, CancellationToken.None))!.State);
        var removal = Assert.Single(await JournalAsync(), o => o.Kind == OperationKind.DeleteCopy);
        Assert.Equal(OperationState.Failed, removal.State);
        Assert.Contains(await _engine.Inventory.ListEventsAsync(0, int.MaxValue, CancellationToken.None), e => e.Kind == EventKind.OperationFailed && e.OperationId == removal.Id);

        _kind.FailManifestDeletes = false;
        Assert.True(await _engine.RemoveSnapshotCopyAsync(copy.Id, OperationContext.Unattended()));
        Assert.Null(await _engine.Inventory.GetCopyAsync(copy.Id, CancellationToken.None));
    }

    [Fact]
    public async Task Whether_a_manifest_exists_is_answered_without_reading_it_and_an_unreachable_repository_is_an_error_not_a_no()
    {
        var (_, snapshot) = await SnapshotAsync("db01", "s1", seed: 9);
        var copy = await CopyAsync(snapshot);
        await using var store = await FileSystemChunkStore.OpenAsync(_repository, CancellationToken.None);

        Assert.True(await store.ManifestExistsAsync(copy.Id, CancellationToken.None));
        Assert.False(await store.ManifestExistsAsync(Ids.New(), CancellationToken.None));
        Directory.Move(Path.Combine(_repository, "manifests"), Path.Combine(_bed.Root, "manifests-away")); // the share is going away
        await Assert.ThrowsAsync<StorageSnapshotException>(() => store.ManifestExistsAsync(copy.Id, CancellationToken.None));
    }

    [Fact]
    public async Task A_removal_waits_for_a_running_copy_of_its_snapshot_and_changes_nothing_when_it_outlasts_the_wait()
    {
        var (_, snapshot) = await SnapshotAsync("db01", "s1", seed: 6);
        var copy = await CopyAsync(snapshot);
        await using var store = await FileSystemChunkStore.OpenAsync(_repository, CancellationToken.None);

        await using (await store.LockCopyKeyAsync(snapshot.Id, TimeSpan.Zero, CancellationToken.None)) // a copy of that snapshot running elsewhere
        {
            var busy = await Assert.ThrowsAsync<ConflictException>(() => _engine.RemoveSnapshotCopyAsync(copy.Id, OperationContext.Unattended()));
            Assert.Equal((ErrorIds.InvalidState, ErrorKind.ResourceBusy), (busy.ErrorId, busy.Kind));
            Assert.Contains("is being copied", busy.Message, StringComparison.Ordinal);
            Assert.Equal((HintCode.RerunCopyRemoval, copy.Id), (busy.Hint!.Code, busy.Hint.Argument(HintArgument.CopyId)));
        }

        Assert.Equal(CopyState.Copied, (await _engine.Inventory.GetCopyAsync(copy.Id, CancellationToken.None))!.State);
        Assert.Single(Directory.EnumerateFiles(Path.Combine(_repository, "manifests")));
        Assert.DoesNotContain(await JournalAsync(), o => o.Kind == OperationKind.DeleteCopy);
    }

    [Fact]
    public async Task A_repository_operation_left_running_is_found_dead_only_when_its_storage_lock_is_free()
    {
        var (_, snapshot) = await SnapshotAsync("db01", "s1", seed: 7);
        var copy = await CopyAsync(snapshot);
        Operation Running(OperationKind kind, TargetKind target, string targetId, string destination, OperationDetails details) => new()
        {
            Id = Ids.New(), Kind = kind, State = OperationState.Running, Destination = destination, TargetKind = target, TargetId = targetId,
            StartedUtc = DateTime.UtcNow, Owner = OperationOwner.Current, Details = details,
        };
        var removal = Running(OperationKind.DeleteCopy, TargetKind.Copy, copy.Id, "nfs1",
            new DeleteCopyDetails { CopyId = copy.Id, Destination = "nfs1", Repository = _repository, CopySnapshotId = copy.SnapshotId, StateBefore = CopyState.Copied });
        var collection = Running(OperationKind.CollectChunks, TargetKind.SecondaryStorage, "nfs2", "nfs2",
            new CollectChunksDetails { Destination = "nfs2", Repository = _repository + "2", FailedCopies = ["01FAILED"] });
        await using (var transaction = await _engine.Inventory.BeginAsync(CancellationToken.None))
        {
            await transaction.InsertOperationAsync(removal, CancellationToken.None);
            await transaction.InsertOperationAsync(collection, CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
        }

        // The removal's process is alive (holds its storage's lock); the collection's is not.
        await using (await _bed.HoldLockAsync(VolumeLock.KeyForSecondaryStorage("nfs1")))
        {
            await using var reopened = await StorageSnapshotEngine.OpenAsync(_bed.Options(), CancellationToken.None);
            var entries = (await reopened.GetOperationsAsync(null, OperationContext.Unattended())).ToDictionary(o => o.Id);
            Assert.Equal(OperationState.Running, entries[removal.Id].State);
            Assert.Equal(OperationState.NeedsRecovery, entries[collection.Id].State);
            Assert.Equal(["01FAILED"], Assert.IsType<CollectChunksDetails>(entries[collection.Id].Details).FailedCopies);
        }
    }

    [Fact]
    public async Task Chunk_collection_is_journaled_and_refused_before_anything_is_recorded_while_a_copy_runs()
    {
        await using (var store = await FileSystemChunkStore.OpenAsync(_repository, CancellationToken.None))
        await using (await store.LockRepositoryAsync(exclusive: false, TimeSpan.FromSeconds(5), CancellationToken.None))
        {
            var context = new Infrastructure.RecordingContext();
            Assert.Empty(await _engine.RemoveFailedCopiesAsync(new[] { "nfs1" }, context));
            Assert.Equal(ErrorKind.ResourceBusy, Assert.Single(context.Output.Errors).Kind);
            Assert.DoesNotContain(await JournalAsync(), o => o.Kind == OperationKind.CollectChunks);
        }

        var removal = Assert.Single(await _engine.RemoveFailedCopiesAsync(new[] { "nfs1" }, OperationContext.Unattended()));

        var journal = Assert.Single(await JournalAsync(), o => o.Kind == OperationKind.CollectChunks);
        Assert.Equal((OperationState.Succeeded, TargetKind.SecondaryStorage, "nfs1", "nfs1"), (journal.State, journal.TargetKind, journal.TargetId, journal.Destination));
        Assert.Contains(await _engine.Inventory.ListEventsAsync(0, int.MaxValue, CancellationToken.None), e => e.Kind == EventKind.FailedCopiesRemoved && e.OperationId == journal.Id);
        Assert.Equal("nfs1", removal.Destination);
    }

    [Fact]
    public async Task A_kind_the_registry_does_not_know_is_refused_naming_the_known_ones()
    {
        var error = await Assert.ThrowsAsync<ValidationException>(() => _engine.RegisterSecondaryStorageAsync(
            new RegisterSecondaryStorageRequest("s3", "/tmp/x") { Kind = (SecondaryStorageKind)7 }, OperationContext.Unattended()));

        Assert.Equal(ErrorIds.InvalidArgument, error.ErrorId);
        Assert.Contains("Known kinds: FileSystem", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The filesystem kind, counting the manifest look-ups and chunk writes of the stores it opens.</summary>
    private sealed class CountingKind : IChunkStoreKind
    {
        private readonly FileSystemChunkStoreKind _inner = new();
        private readonly List<string> _manifestsRead = new();
        private int _listings;
        private int _puts;

        public SecondaryStorageKind Kind => _inner.Kind;
        public bool FailManifestDeletes { get; set; }
        public int ManifestListings => Volatile.Read(ref _listings);
        public int ChunksPut => Volatile.Read(ref _puts);

        public IReadOnlyList<string> ManifestsRead
        {
            get
            {
                lock (_manifestsRead) return _manifestsRead.ToList();
            }
        }

        public void Reset()
        {
            lock (_manifestsRead) _manifestsRead.Clear();
            Interlocked.Exchange(ref _listings, 0);
            Interlocked.Exchange(ref _puts, 0);
        }

        public string CanonicalLocation(string? location, string storageName) => _inner.CanonicalLocation(location, storageName);
        public bool SameLocation(string a, string b) => _inner.SameLocation(a, b);
        public Task<RepositoryFormat?> InspectAsync(string location, bool createMissing, CancellationToken cancellationToken) => _inner.InspectAsync(location, createMissing, cancellationToken);
        public Task<IChunkStore> OpenOrCreateAsync(string location, RepositoryFormat newRepository, bool createMissing, CancellationToken cancellationToken) =>
            _inner.OpenOrCreateAsync(location, newRepository, createMissing, cancellationToken);

        public async Task<IChunkStore> OpenAsync(SecondaryStorage storage, CancellationToken cancellationToken) =>
            new Counting(await _inner.OpenAsync(storage, cancellationToken), this);

        private sealed class Counting(IChunkStore inner, CountingKind counts) : IChunkStore
        {
            public RepositoryFormat Format => inner.Format;
            public string Description => inner.Description;

            public Task<long> PutChunkIfAbsentAsync(string digest, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
            {
                Interlocked.Increment(ref counts._puts);
                return inner.PutChunkIfAbsentAsync(digest, data, cancellationToken);
            }

            public Task<IReadOnlyList<string>> ListManifestsAsync(CancellationToken cancellationToken)
            {
                Interlocked.Increment(ref counts._listings);
                return inner.ListManifestsAsync(cancellationToken);
            }

            public Task<CopyManifest> ReadManifestAsync(string copyId, CancellationToken cancellationToken)
            {
                lock (counts._manifestsRead) counts._manifestsRead.Add(copyId);
                return inner.ReadManifestAsync(copyId, cancellationToken);
            }

            public IAsyncEnumerable<ChunkRun> ReadChunkListAsync(string copyId, CancellationToken cancellationToken)
            {
                lock (counts._manifestsRead) counts._manifestsRead.Add(copyId);
                return inner.ReadChunkListAsync(copyId, cancellationToken);
            }

            public Task<bool> ChunkExistsAsync(string digest, CancellationToken cancellationToken) => inner.ChunkExistsAsync(digest, cancellationToken);
            public Task<bool> ManifestExistsAsync(string copyId, CancellationToken cancellationToken) => inner.ManifestExistsAsync(copyId, cancellationToken);
            public Task<int> ReadChunkAsync(string digest, Memory<byte> destination, CancellationToken cancellationToken) => inner.ReadChunkAsync(digest, destination, cancellationToken);
            public IAsyncEnumerable<StoredChunk> ListChunksAsync(CancellationToken cancellationToken) => inner.ListChunksAsync(cancellationToken);
            public Task DeleteChunkAsync(string digest, CancellationToken cancellationToken) => inner.DeleteChunkAsync(digest, cancellationToken);
            public Task<StagedChunkList> StageChunkListAsync(string copyId, long totalBytes, CancellationToken cancellationToken) => inner.StageChunkListAsync(copyId, totalBytes, cancellationToken);
            public Task CommitManifestAsync(CopyManifest manifest, StagedChunkList chunks, CancellationToken cancellationToken) => inner.CommitManifestAsync(manifest, chunks, cancellationToken);
            public Task DeleteManifestAsync(string copyId, CancellationToken cancellationToken) =>
                counts.FailManifestDeletes ? Task.FromException(new IOException("the share went away")) : inner.DeleteManifestAsync(copyId, cancellationToken);
            public Task<IAsyncDisposable> LockRepositoryAsync(bool exclusive, TimeSpan timeout, CancellationToken cancellationToken) => inner.LockRepositoryAsync(exclusive, timeout, cancellationToken);
            public Task<IAsyncDisposable> LockCopyKeyAsync(string copyKey, TimeSpan timeout, CancellationToken cancellationToken) => inner.LockCopyKeyAsync(copyKey, timeout, cancellationToken);
            public Task<int> DeleteAbandonedWritesAsync(DateTime olderThanUtc, CancellationToken cancellationToken) => inner.DeleteAbandonedWritesAsync(olderThanUtc, cancellationToken);
            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
