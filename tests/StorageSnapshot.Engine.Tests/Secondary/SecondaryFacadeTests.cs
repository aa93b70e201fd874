using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Naming;
using StorageSnapshot.Engine.Secondary.Repository;
using StorageSnapshot.Engine.Tests.Infrastructure;
using StorageSnapshot.Engine.Tests.Orchestration;

namespace StorageSnapshot.Engine.Tests.Secondary;

/// <summary>The secondary-storage use cases through the façade: real inventory, real directory driver, real repository.</summary>
[Trait(InventoryKinds.Trait, InventoryKinds.Each)]
public sealed class SecondaryFacadeTests : IAsyncLifetime
{
    private const long VolumeSize = 3L << 20;
    private EngineTestBed _bed = null!;
    private string _repository = null!;

    public async Task InitializeAsync()
    {
        _bed = await EngineTestBed.CreateAsync();
        _repository = Path.Combine(_bed.Root, "secondary");
    }

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    private StorageSnapshotEngine Engine => _bed.Engine;

    private async Task<(Volume Volume, Snapshot Snapshot, byte[] Data)> VolumeWithSnapshotAsync(string name = "db01")
    {
        var volume = await _bed.NewVolumeAsync(name, VolumeSize);
        var data = new byte[VolumeSize - 12345];
        new Random(name.Length).NextBytes(data);
        EngineTestBed.Write(volume, 0, data);
        var snapshot = await _bed.NewSnapshotAsync(name, "nightly");
        return (volume, snapshot, EngineTestBed.Read(snapshot.Location!, 0, (int)VolumeSize));
    }

    private Task<SecondaryStorage?> RegisterAsync(string name = "nfs1") =>
        Engine.RegisterSecondaryStorageAsync(new RegisterSecondaryStorageRequest(name, _repository) { ChunkSizeBytes = 256 << 10, CreateDirectory = true }, OperationContext.Unattended());

    private Task<SnapshotCopy?> CopyAsync(Snapshot snapshot, OperationContext? context = null, bool full = false) =>
        Engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(SnapshotSelector.Of(snapshot), "nfs1", full), context ?? OperationContext.Unattended());

    [Fact]
    public async Task Copy_list_verify_restore_into_a_new_volume_and_remove()
    {
        var storage = await RegisterAsync();
        var (_, snapshot, data) = await VolumeWithSnapshotAsync();
        var output = new RecordingOutput();

        var copy = await CopyAsync(snapshot, new OperationContext(output, static (_, _) => true, CancellationToken.None));
        var listed = await Engine.GetSnapshotCopiesAsync(new CopyFilter { SnapshotIds = new[] { snapshot.Id } }, OperationContext.Unattended());
        var verification = await Engine.TestSnapshotCopyAsync(copy!.Id, compareWithSource: true, OperationContext.Unattended());
        var restored = await Engine.NewVolumeFromCopyAsync(new NewVolumeFromCopyRequest("db01-restored", copy.Id), OperationContext.Unattended());

        Assert.Equal(256 << 10, storage!.ChunkSizeBytes);
        Assert.Equal(CopyState.Copied, copy.State);
        Assert.Equal(("nfs1", snapshot.Backend, snapshot.Volume, snapshot.Id), (copy.Destination, copy.Backend, copy.Volume, copy.SnapshotId));
        Assert.Equal(VolumeSize, copy.SizeBytes);
        Assert.True(copy.BytesRead > 0 && copy.BytesWritten > 0 && copy.Duration > TimeSpan.Zero);
        Assert.Equal(copy, Assert.Single(listed));
        Assert.True(verification.Valid, string.Join("; ", verification.Mismatches));
        Assert.Equal(data, EngineTestBed.Read(restored!.Location!, 0, (int)VolumeSize));
        Assert.True(output.Progress.Last().Completed);
        var journal = await Engine.GetOperationsAsync(null, OperationContext.Unattended());
        Assert.Contains(journal, o => o.Kind == OperationKind.CopyToSecondary && o.State == OperationState.Succeeded && o.TargetId == copy.Id);

        Assert.True(await Engine.RemoveSnapshotCopyAsync(copy.Id, OperationContext.Unattended(), gracePeriod: TimeSpan.Zero));
        Assert.Empty(await Engine.GetSnapshotCopiesAsync(new CopyFilter(), OperationContext.Unattended()));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_repository, "chunks"), "*", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_repository, "manifests")));
    }

    [Fact]
    public async Task A_second_copy_of_a_changed_volume_writes_only_the_changes_and_copying_again_returns_the_copy()
    {
        await RegisterAsync();
        var (volume, first, _) = await VolumeWithSnapshotAsync();
        var firstCopy = await CopyAsync(first);
        EngineTestBed.Write(volume, 1 << 20, new byte[] { 1, 2, 3 });
        var second = await _bed.NewSnapshotAsync("db01", "later");

        var secondCopy = await CopyAsync(second);
        var again = await CopyAsync(second);

        Assert.Equal(256L << 10, secondCopy!.BytesChanged);
        Assert.True(secondCopy.BytesWritten < 300_000, $"wrote {secondCopy.BytesWritten} bytes for a 3-byte change");
        Assert.Equal(secondCopy, again);
        Assert.Equal(2, (await Engine.GetSnapshotCopiesAsync(new CopyFilter { Destinations = new[] { "nfs*" } }, OperationContext.Unattended())).Count);
        Assert.NotEqual(firstCopy!.ImageSha256, secondCopy.ImageSha256);
    }

    [Fact]
    public async Task WhatIf_changes_nothing()
    {
        await RegisterAsync();
        var (_, snapshot, _) = await VolumeWithSnapshotAsync();
        var before = await _bed.CaptureAsync();
        var no = new OperationContext(new RecordingOutput(), static (_, _) => false, CancellationToken.None);

        Assert.Null(await CopyAsync(snapshot, no));
        Assert.Null(await Engine.RegisterSecondaryStorageAsync(new RegisterSecondaryStorageRequest("other", Path.Combine(_bed.Root, "other")) { CreateDirectory = true }, no));

        Assert.Equal(before, await _bed.CaptureAsync());
        Assert.Empty(await Engine.GetSnapshotCopiesAsync(new CopyFilter(), OperationContext.Unattended()));
        Assert.False(Directory.Exists(Path.Combine(_bed.Root, "other")));
    }

    [Fact]
    public async Task A_corrupt_copy_is_reported_by_test_and_refused_by_both_restores_which_leave_nothing_behind()
    {
        await RegisterAsync();
        var (volume, snapshot, _) = await VolumeWithSnapshotAsync();
        var copy = await CopyAsync(snapshot);
        EngineTestBed.Write(volume, 0, new byte[] { 9, 9, 9, 9 }); // the volume moves on after the copy
        var current = EngineTestBed.Read(volume.Location!, 0, (int)VolumeSize);
        var chunk = Directory.EnumerateFiles(Path.Combine(_repository, "chunks"), "*", SearchOption.AllDirectories).First();
        var bytes = File.ReadAllBytes(chunk);
        bytes[100] ^= 0x10;
        File.WriteAllBytes(chunk, bytes);
        var output = new RecordingOutput();

        var verification = await Engine.TestSnapshotCopyAsync(copy!.Id, compareWithSource: false, new OperationContext(output, static (_, _) => true, CancellationToken.None));
        var inPlace = await Assert.ThrowsAsync<CopyCorruptException>(() => Engine.RestoreSnapshotFromCopyAsync(copy.Id, OperationContext.Unattended()));
        var newVolume = await Assert.ThrowsAsync<CopyCorruptException>(() =>
            Engine.NewVolumeFromCopyAsync(new NewVolumeFromCopyRequest("from-corrupt", copy.Id), OperationContext.Unattended()));

        Assert.False(verification.Valid);
        Assert.Equal(ErrorIds.CopyCorrupt, Assert.Single(output.Errors).ErrorId);
        Assert.Equal(ErrorIds.CopyCorrupt, inPlace.ErrorId);
        Assert.Equal(ErrorIds.CopyCorrupt, newVolume.ErrorId);
        Assert.Equal(current, EngineTestBed.Read(volume.Location!, 0, (int)VolumeSize)); // reverted to the safety snapshot
        var volumes = await Engine.GetVolumesAsync(new VolumeFilter(), OperationContext.Unattended());
        Assert.DoesNotContain(volumes, v => v.Name == "from-corrupt");
        Assert.DoesNotContain(_bed.BackendFiles(), f => f.Contains("from-corrupt", StringComparison.Ordinal));
        Assert.Single((await Engine.GetSnapshotsAsync(new SnapshotFilter(), OperationContext.Unattended())));
    }

    [Fact]
    public async Task Restore_in_place_brings_the_volume_back_to_the_copy()
    {
        await RegisterAsync();
        var (volume, snapshot, data) = await VolumeWithSnapshotAsync();
        var copy = await CopyAsync(snapshot);
        EngineTestBed.Write(volume, 500_000, new byte[100_000]);

        var restored = await Engine.RestoreSnapshotFromCopyAsync(copy!.Id, OperationContext.Unattended());

        Assert.Equal(volume.Id, restored!.Id);
        Assert.Equal(data, EngineTestBed.Read(volume.Location!, 0, (int)VolumeSize));
        Assert.Single(await Engine.GetSnapshotsAsync(new SnapshotFilter(), OperationContext.Unattended())); // the safety snapshot is gone
    }

    [Fact]
    public async Task A_copy_left_Copying_by_a_dead_process_shows_as_such_and_a_rerun_finishes_it()
    {
        await RegisterAsync();
        var (_, snapshot, _) = await VolumeWithSnapshotAsync();
        // What a process killed mid-copy leaves: the record Copying (its journal entry is found dead on open).
        var stranded = new SnapshotCopy
        {
            Id = Ids.New(), Destination = "nfs1", Backend = snapshot.Backend, Volume = snapshot.Volume, VolumeId = snapshot.VolumeId,
            SnapshotId = snapshot.Id, Snapshot = snapshot.Name, State = CopyState.Copying, CreatedUtc = DateTime.UtcNow,
        };
        await using (var transaction = await Engine.Inventory.BeginAsync(CancellationToken.None))
        {
            await transaction.InsertCopyAsync(stranded, CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
        }

        var shown = Assert.Single(await Engine.GetSnapshotCopiesAsync(new CopyFilter(), OperationContext.Unattended()));
        var finished = await CopyAsync(snapshot);

        Assert.Equal(CopyState.Copying, shown.State);
        Assert.Equal(stranded.Id, finished!.Id);
        Assert.Equal(CopyState.Copied, finished.State);
        Assert.True((await Engine.TestSnapshotCopyAsync(finished.Id, compareWithSource: true, OperationContext.Unattended())).Valid);
    }

    [Fact]
    public async Task A_cancelled_copy_is_Failed_with_nothing_committed_and_a_rerun_completes_it()
    {
        await RegisterAsync();
        var (_, snapshot, _) = await VolumeWithSnapshotAsync();
        using var cancel = new CancellationTokenSource();
        var ctrlC = new CancelWhenRunning(cancel); // Ctrl+C once the copy is journaled and running

        var error = await Assert.ThrowsAsync<StorageSnapshotException>(() => CopyAsync(snapshot, new OperationContext(ctrlC, static (_, _) => true, cancel.Token)));
        var failed = await Engine.GetSnapshotCopiesAsync(new CopyFilter(), OperationContext.Unattended());
        var rerun = await CopyAsync(snapshot);

        Assert.Equal(ErrorIds.OperationCancelled, error.ErrorId);
        Assert.Equal(CopyState.Failed, Assert.Single(failed).State);
        Assert.Equal(failed.Single().Id, rerun!.Id);
        Assert.Equal(CopyState.Copied, rerun!.State);
        Assert.Single(Directory.EnumerateFiles(Path.Combine(_repository, "manifests")));
    }

    [Fact]
    public async Task Unknown_names_and_ids_have_their_error_ids()
    {
        await RegisterAsync();
        var (_, snapshot, _) = await VolumeWithSnapshotAsync();

        var noStorage = await Assert.ThrowsAsync<ObjectNotFoundException>(() =>
            Engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(SnapshotSelector.Of(snapshot), "nowhere"), OperationContext.Unattended()));
        var noCopy = await Assert.ThrowsAsync<ObjectNotFoundException>(() => Engine.TestSnapshotCopyAsync("01NOSUCHCOPY0000000000000", false, OperationContext.Unattended()));
        var badName = await Assert.ThrowsAsync<ValidationException>(() =>
            Engine.RegisterSecondaryStorageAsync(new RegisterSecondaryStorageRequest("bad name", _repository), OperationContext.Unattended()));
        var relative = await Assert.ThrowsAsync<ValidationException>(() =>
            Engine.RegisterSecondaryStorageAsync(new RegisterSecondaryStorageRequest("rel", "relative/path"), OperationContext.Unattended()));
        var taken = await Assert.ThrowsAsync<ConflictException>(() => RegisterAsync());
        await CopyAsync(snapshot);
        var inUse = await Assert.ThrowsAsync<ConflictException>(() => Engine.UnregisterSecondaryStorageAsync("nfs1", OperationContext.Unattended()));

        Assert.Equal(ErrorIds.SecondaryStorageNotFound, noStorage.ErrorId);
        Assert.Equal(ErrorIds.CopyNotFound, noCopy.ErrorId);
        Assert.Equal(ErrorIds.InvalidName, badName.ErrorId);
        Assert.Equal(ErrorIds.InvalidArgument, relative.ErrorId);
        Assert.Equal(ErrorIds.AlreadyExists, taken.ErrorId);
        Assert.Contains("still has copies", inUse.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorHint.RemoveCopiesFirst("nfs1"), inUse.Hint);
    }

    [Fact]
    public async Task Copy_records_survive_reopening_and_the_repository_alone_describes_them()
    {
        await RegisterAsync();
        var (_, snapshot, _) = await VolumeWithSnapshotAsync();
        var copy = await CopyAsync(snapshot);

        await _bed.ReopenAsync();
        var reread = Assert.Single(await Engine.GetSnapshotCopiesAsync(new CopyFilter { Ids = new[] { copy!.Id } }, OperationContext.Unattended()));
        await using var store = await FileSystemChunkStore.OpenAsync(_repository, CancellationToken.None);
        var manifest = await store.ReadManifestAsync(copy.Id, CancellationToken.None);

        Assert.Equal(copy, reread);
        Assert.Equal((copy.SnapshotId, copy.Volume, copy.Backend, copy.ImageSha256, copy.BytesWritten),
            (manifest.Source.SnapshotId, manifest.Source.Volume, manifest.Source.Backend, manifest.ImageSha256, manifest.Statistics!.BytesWritten));
    }

    private sealed class CancelWhenRunning(CancellationTokenSource cancel) : IOperationOutput
    {
        public void WriteVerbose(string message)
        {
            if (message.Contains("recorded as Running", StringComparison.Ordinal)) cancel.Cancel();
        }

        public void WriteWarning(string message) { }
        public void WriteProgress(ProgressInfo progress) { }
        public void WriteError(StorageSnapshotException error) { }
    }
}
