using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Secondary.Repository;
using StorageSnapshot.Engine.Tests.Infrastructure;
using StorageSnapshot.TestHost.Faults;

namespace StorageSnapshot.Engine.Tests.Faults;

/// <summary>
/// The defects the fault suite found, each pinned by one small test that failed before its fix (the suite itself
/// failed on all of them too). The faults are aimed by call site name: a clean dry run of the same operation finds
/// the call's number.
/// </summary>
public sealed class FoundDefectsTests : IAsyncLifetime
{
    private FaultWorld world = null!;

    public async Task InitializeAsync()
    {
        world = await FaultWorld.CreateAsync("defects");
        await world.NewVolumeAsync("v");
        await world.WriteAsync("v", 1, new[] { 0, 1, 3 });
    }

    public async Task DisposeAsync() => await world.DisposeAsync();

    [Fact]
    public async Task A_driver_session_that_fails_to_close_is_a_warning_and_the_recorded_success_stands()
    {
        var operation = new FaultOperation { Kind = FaultOperationKind.CreateSnapshot, Volume = "v", NewName = "s1" };
        var output = new RecordingOutput();
        var template = await world.SaveAsync();
        var call = await NumberOfAsync(template, operation, "Backend.Dispose");

        world.Plan.Arm(new FaultInjection(call, FaultPhase.Before, FaultKind.Throw));
        var id = await operation.RunAsync(world.Engine, new OperationContext(output, static (_, _) => true, CancellationToken.None));
        world.Plan.Disarm();

        Assert.Equal(SnapshotState.Ready, (await world.Engine.Inventory.GetSnapshotAsync(id, CancellationToken.None))!.State);
        Assert.Contains(output.Warnings, w => w.Contains("failed to close its session", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cancelling_between_the_operations_of_a_volume_removal_is_OperationCancelled_not_an_untyped_exception()
    {
        await world.SnapshotAsync("v", "s1");
        var operation = new FaultOperation { Kind = FaultOperationKind.DeleteVolume, Volume = "v", IncludeSnapshots = true };
        var template = await world.SaveAsync();
        var call = await NumberOfAsync(template, operation, "Backend.Dispose"); // the session of the snapshot's deletion

        using var cancel = new CancellationTokenSource();
        world.Plan.Arm(new FaultInjection(call, FaultPhase.Before, FaultKind.Hang));
        _ = world.Plan.HangStarted.ContinueWith(_ => cancel.Cancel(), TaskScheduler.Default);
        var error = await Assert.ThrowsAsync<StorageSnapshotException>(() =>
            operation.RunAsync(world.Engine, new OperationContext(new RecordingOutput(), static (_, _) => true, cancel.Token)));
        world.Plan.Disarm();

        Assert.Equal(ErrorIds.OperationCancelled, error.ErrorId);
        Assert.Contains("nothing was changed", error.Message, StringComparison.Ordinal);
        Assert.Empty((await world.ReadStateAsync()).Snapshots); // the snapshot's deletion had finished
        Assert.Equal(VolumeState.Available, (await world.Engine.Inventory.FindVolumeAsync(FaultOperation.Backend, "v", CancellationToken.None))!.State);
    }

    [Fact]
    public async Task A_chunk_write_that_is_cancelled_leaves_no_temporary_file_in_the_repository()
    {
        await using var store = await world.OpenRepositoryAsync();
        var data = new byte[FaultWorld.ChunkSize];
        new Random(3).NextBytes(data);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.PutChunkIfAbsentAsync(ChunkDigest.Of(data), data, cancelled.Token));

        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(world.RepositoryPath, "tmp")));
    }

    [Fact]
    public async Task A_failed_restore_in_place_journals_that_it_reverted_to_its_safety_snapshot_and_that_it_left_it()
    {
        var copy = await world.CopyAsync((await world.SnapshotAsync("v", "s1")).Id);
        await world.WriteAsync("v", 2, new[] { 1, 2 });
        var before = ImageHash.OfFile(InvariantChecker.VolumeImage(world, "v"));
        var operation = new FaultOperation { Kind = FaultOperationKind.RestoreInPlace, Copy = copy.Id };
        var template = await world.SaveAsync();
        var write = await NumberOfAsync(template, operation, "Writer.Write");

        // The restore fails at its first write; compensation reverts (call 1 after it is the revert), then fails to
        // delete the safety snapshot — which is a warning, not a failed compensation.
        var revertAndDelete = await CompensationCallsAsync(template, operation, new FaultInjection(write, FaultPhase.Before, FaultKind.Throw));
        var deleteSafety = revertAndDelete.First(c => c.Site == "Backend.DeleteSnapshot").AfterFirstFault;
        await world.RestoreAsync(template);
        world.Plan.Arm(new FaultInjection(write, FaultPhase.Before, FaultKind.Throw), new FaultInjection(deleteSafety, FaultPhase.Before, FaultKind.Throw));
        // The restore reads chunks and writes on several threads, so the call numbered as its first write in the dry
        // run may be a chunk read in this one: either way the restore fails mid-way (a driver or a repository error).
        await Assert.ThrowsAnyAsync<StorageSnapshotException>(() => operation.RunAsync(world.Engine, OperationContext.Unattended()));
        world.Plan.Disarm();

        var entry = (await world.ReadStateAsync()).Operations.Single(o => o.Kind == OperationKind.RestoreFromCopy);
        Assert.Equal(OperationState.Failed, entry.State);
        Assert.Equal("true", entry.Bag()["revertedToSafetySnapshot"]);
        Assert.Equal("true", entry.Bag()["safetySnapshotLeft"]);
        Assert.True(File.Exists(InvariantChecker.SnapshotImage(world, "v", entry.Bag()["safetySnapshotKey"])));
        Assert.Equal(before, ImageHash.OfFile(InvariantChecker.VolumeImage(world, "v")));
    }

    [Fact]
    public async Task A_copy_removal_that_cannot_open_the_repository_leaves_the_copy_Copied()
    {
        var copy = await world.CopyAsync((await world.SnapshotAsync("v", "s1")).Id);

        world.Plan.Arm(new FaultInjection(1, FaultPhase.Before, FaultKind.Throw)); // Repository.Open, the removal's first call
        var error = await Assert.ThrowsAsync<StorageSnapshotException>(() => world.Engine.RemoveSnapshotCopyAsync(copy.Id, OperationContext.Unattended()));
        var opened = world.Plan.Calls.Single().Site;
        world.Plan.Disarm();

        Assert.Equal(("Repository.Open", ErrorIds.SecondaryStorageFailed), (opened, error.ErrorId));
        Assert.Equal(CopyState.Copied, (await world.Engine.Inventory.GetCopyAsync(copy.Id, CancellationToken.None))!.State);
    }

    /// <summary>The number of the first call to <paramref name="site"/> in a clean run of <paramref name="operation"/> from <paramref name="template"/>.</summary>
    private async Task<int> NumberOfAsync(WorldTemplate template, FaultOperation operation, string site)
    {
        await world.RestoreAsync(template);
        world.Plan.Arm();
        await operation.RunAsync(world.Engine, OperationContext.Unattended());
        var number = world.Plan.Calls.First(c => c.Site == site).Number;
        await world.RestoreAsync(template);
        return number;
    }

    /// <summary>The control calls made after <paramref name="first"/> struck.</summary>
    private async Task<IReadOnlyList<ObservedCall>> CompensationCallsAsync(WorldTemplate template, FaultOperation operation, FaultInjection first)
    {
        await world.RestoreAsync(template);
        world.Plan.Arm(first);
        await Assert.ThrowsAnyAsync<StorageSnapshotException>(() => operation.RunAsync(world.Engine, OperationContext.Unattended()));
        var calls = world.Plan.Calls.Where(c => c.AfterFirstFault > 0).ToList();
        world.Plan.Disarm();
        return calls;
    }
}
