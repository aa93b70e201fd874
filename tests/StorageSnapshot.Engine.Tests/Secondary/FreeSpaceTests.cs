using System.Diagnostics;
using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Secondary.Repository;
using StorageSnapshot.Engine.Tests.Infrastructure;
using StorageSnapshot.Engine.Tests.Orchestration;

namespace StorageSnapshot.Engine.Tests.Secondary;

/// <summary>
/// A full repository (issue 8): the error said "Remove-SnapshotCopy", which frees nothing for 24 hours, and the
/// rerun failed the same way. Remove-SnapshotCopy -Failed frees at once what failed copies stored (and removed
/// copies left), never a chunk a committed copy references, and never while a copy runs; the error names exactly
/// that command.
/// </summary>
[Trait(InventoryKinds.Trait, InventoryKinds.Each)]
public sealed class FreeSpaceTests : IAsyncLifetime
{
    private const int Chunk = 64 << 10;
    private EngineTestBed bed = null!;
    private string repository = null!;
    private string? mount;

    public async Task InitializeAsync()
    {
        bed = await EngineTestBed.CreateAsync(lockTimeout: TimeSpan.FromSeconds(2));
        repository = Path.Combine(bed.Root, "secondary", "repo");
    }

    public async Task DisposeAsync()
    {
        await bed.DisposeAsync();
        if (mount is not null)
        {
            Run("umount", "-l", mount);
            Directory.Delete(mount);
        }
    }

    private StorageSnapshotEngine Engine => bed.Engine;

    private Task RegisterAsync() =>
        Engine.RegisterSecondaryStorageAsync(new RegisterSecondaryStorageRequest("nfs1", repository) { CreateDirectory = true, ChunkSizeBytes = Chunk }, OperationContext.Unattended());

    private async Task<Snapshot> SnapshotWithRandomDataAsync(string volumeName, long size, int seed)
    {
        var volume = await bed.NewVolumeAsync(volumeName, size);
        var data = new byte[size];
        new Random(seed).NextBytes(data);
        EngineTestBed.Write(volume, 0, data);
        return await bed.NewSnapshotAsync(volumeName, "nightly");
    }

    private Task<SnapshotCopy?> CopyAsync(Snapshot snapshot) =>
        Engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(SnapshotSelector.Of(snapshot), "nfs1"), OperationContext.Unattended());

    private List<string> ChunkFiles() => Directory.EnumerateFiles(Path.Combine(repository, "chunks"), "*", SearchOption.AllDirectories).ToList();

    /// <summary>Chunks as a killed or failed copy leaves them: stored, referenced by no manifest, written just now.</summary>
    private async Task<List<string>> PlantLeftoverChunksAsync(int count, int seed)
    {
        await using var store = await FileSystemChunkStore.OpenAsync(repository, CancellationToken.None);
        var digests = new List<string>();
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var data = new byte[Chunk];
            random.NextBytes(data);
            var digest = ChunkDigest.Of(data);
            await store.PutChunkIfAbsentAsync(digest, data, CancellationToken.None);
            digests.Add(digest);
        }
        return digests;
    }

    [Fact]
    public async Task Failed_copies_and_their_chunks_are_removed_at_once_and_committed_copies_keep_theirs()
    {
        await RegisterAsync();
        var kept = await CopyAsync(await SnapshotWithRandomDataAsync("db01", 4 * Chunk, seed: 1));
        var keptChunks = ChunkFiles();
        var failing = await SnapshotWithRandomDataAsync("db02", 4 * Chunk, seed: 2);
        using (var cancel = new CancellationTokenSource())
        {
            await Assert.ThrowsAnyAsync<Exception>(() => Engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(SnapshotSelector.Of(failing), "nfs1"),
                new OperationContext(new CancelWhenRunning(cancel), static (_, _) => true, cancel.Token)));
        }
        var failed = (await Engine.GetSnapshotCopiesAsync(new CopyFilter(), OperationContext.Unattended())).Where(c => c.State == CopyState.Failed).ToList();
        Assert.Single(failed);
        await PlantLeftoverChunksAsync(5, seed: 3);
        Assert.Equal(keptChunks.Count + 5, ChunkFiles().Count);

        // The grace period keeps them from an ordinary collection...
        var removedBefore = await Engine.RemoveSnapshotCopyAsync(failed[0].Id, OperationContext.Unattended());
        Assert.True(removedBefore);
        Assert.Equal(keptChunks.Count + 5, ChunkFiles().Count);

        // ...-Failed frees them now.
        var context = new RecordingContext();
        var removals = await Engine.RemoveFailedCopiesAsync(new[] { "nfs1" }, context);

        var removal = Assert.Single(removals);
        Assert.Equal("nfs1", removal.Destination);
        Assert.True(removal.ChunksDeleted >= 5 && removal.BytesFreed >= 5L * Chunk, $"{removal}");
        Assert.Equal(keptChunks.Order(), ChunkFiles().Order());
        Assert.True((await Engine.TestSnapshotCopyAsync(kept!.Id, compareWithSource: true, OperationContext.Unattended())).Valid);
        Assert.Single(context.ShouldProcess.Questions);
        Assert.Contains(await Engine.Inventory.ListEventsAsync(0, int.MaxValue, CancellationToken.None), e => e.Kind == EventKind.FailedCopiesRemoved && e.Bytes == removal.BytesFreed);
    }

    [Fact]
    public async Task Failed_copy_records_are_forgotten_and_a_rerun_starts_a_new_copy()
    {
        await RegisterAsync();
        var snapshot = await SnapshotWithRandomDataAsync("db01", 4 * Chunk, seed: 4);
        using (var cancel = new CancellationTokenSource())
        {
            await Assert.ThrowsAnyAsync<Exception>(() => Engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(SnapshotSelector.Of(snapshot), "nfs1"),
                new OperationContext(new CancelWhenRunning(cancel), static (_, _) => true, cancel.Token)));
        }
        var failed = Assert.Single(await Engine.GetSnapshotCopiesAsync(new CopyFilter(), OperationContext.Unattended()));
        Assert.Equal(CopyState.Failed, failed.State);

        var removal = Assert.Single(await Engine.RemoveFailedCopiesAsync(null, OperationContext.Unattended()));

        Assert.Equal(1, removal.FailedCopiesRemoved);
        Assert.Empty(await Engine.GetSnapshotCopiesAsync(new CopyFilter(), OperationContext.Unattended()));
        var rerun = await CopyAsync(snapshot);
        Assert.NotEqual(failed.Id, rerun!.Id);
        Assert.Equal(CopyState.Copied, rerun.State);
    }

    [Fact]
    public async Task While_a_copy_holds_the_repository_nothing_is_deleted_and_the_error_says_why()
    {
        await RegisterAsync();
        await PlantLeftoverChunksAsync(3, seed: 5);
        await using var store = await FileSystemChunkStore.OpenAsync(repository, CancellationToken.None);
        await using (await store.LockRepositoryAsync(exclusive: false, TimeSpan.FromSeconds(5), CancellationToken.None)) // a copy running
        {
            var context = new RecordingContext();
            var removals = await Engine.RemoveFailedCopiesAsync(new[] { "nfs1" }, context);

            Assert.Empty(removals);
            var error = Assert.Single(context.Output.Errors);
            Assert.Equal((ErrorIds.InvalidState, ErrorKind.ResourceBusy), (error.ErrorId, error.Kind));
            Assert.Contains("copies are running", error.Message, StringComparison.Ordinal);
            Assert.Equal(3, ChunkFiles().Count);
        }
    }

    [Fact]
    public async Task WhatIf_deletes_nothing()
    {
        await RegisterAsync();
        await PlantLeftoverChunksAsync(2, seed: 6);
        var whatIf = new RecordingContext(answer: false);
        Assert.Empty(await Engine.RemoveFailedCopiesAsync(null, whatIf));
        Assert.Single(whatIf.ShouldProcess.Questions);
        Assert.Equal(2, ChunkFiles().Count);
    }

    [IntegrationFact(true, "mount", "umount")]
    public async Task A_full_repository_names_the_command_that_frees_space_and_that_command_frees_it()
    {
        mount = Directory.CreateTempSubdirectory("storagesnapshot-full-").FullName;
        var (code, output) = Run("mount", "-t", "tmpfs", "-o", "size=2m", "storagesnapshot-test", mount);
        Assert.True(code == 0, $"mount failed: {output}");
        repository = Path.Combine(mount, "repo");
        await RegisterAsync();
        var free = new DriveInfo(mount).AvailableFreeSpace;
        var big = await SnapshotWithRandomDataAsync("big", 48 * Chunk, seed: 7); // 3 MiB of random data into 2 MiB

        var full = await Assert.ThrowsAsync<SecondaryStorageFullException>(() => CopyAsync(big));

        Assert.Equal((ErrorIds.SecondaryStorageFailed, ErrorKind.WriteError), (full.ErrorId, full.Kind));
        Assert.StartsWith($"Secondary storage 'nfs1' at '{repository}' is full: no space left while storing chunk", full.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorHint.FreeSecondaryStorageSpace("nfs1"), full.Hint); // the cmdlets: 'Remove-SnapshotCopy -Failed -Destination nfs1'
        Assert.Contains("24-hour grace period", full.RecommendedAction, StringComparison.Ordinal);
        Assert.Contains(full.Message, (await Engine.GetOperationsAsync(null, OperationContext.Unattended())).Single(o => o.Kind == OperationKind.CopyToSecondary).Error, StringComparison.Ordinal);
        Assert.True(new DriveInfo(mount).AvailableFreeSpace < free / 4, "the failed copy should have filled the repository");

        var removal = Assert.Single(await Engine.RemoveFailedCopiesAsync(new[] { "nfs1" }, OperationContext.Unattended()));

        Assert.Equal(1, removal.FailedCopiesRemoved);
        Assert.True(removal.ChunksDeleted > 0);
        Assert.Empty(ChunkFiles());
        Assert.True(new DriveInfo(mount).AvailableFreeSpace >= free - (64 << 10), "the space is free again at once");
        var small = await SnapshotWithRandomDataAsync("small", 8 * Chunk, seed: 8);
        Assert.Equal(CopyState.Copied, (await CopyAsync(small))!.State); // room for it now
    }

    private static (int ExitCode, string Output) Run(string tool, params string[] arguments)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
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
