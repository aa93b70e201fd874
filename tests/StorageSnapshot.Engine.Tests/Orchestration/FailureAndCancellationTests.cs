using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Orchestration;

/// <summary>
/// Driver failures and cancellation in the middle of an operation, injected with the HookedDriver around the
/// real directory driver: compensation removes what was half-made and nothing half-done reads as Ready.
/// </summary>
[Trait(InventoryKinds.Trait, InventoryKinds.Each)]
public sealed class FailureAndCancellationTests : IAsyncLifetime
{
    private EngineTestBed bed = null!;
    private Volume volume = null!;

    public async Task InitializeAsync()
    {
        bed = await EngineTestBed.CreateAsync();
        volume = await bed.NewVolumeAsync("db01");
    }

    public async Task DisposeAsync() => await bed.DisposeAsync();

    private static Func<string, CancellationToken, Task> FailOn(string method, string message) =>
        (called, _) => called == method ? throw new IOException(message) : Task.CompletedTask;

    private NewSnapshotRequest Nightly => new(VolumeSelector.Of(volume)) { Name = "nightly" };

    [Fact]
    public async Task A_snapshot_the_driver_made_and_then_failed_on_is_removed_and_the_row_shows_Error()
    {
        bed.Driver.After = FailOn("CreateSnapshot", "the array lost its controller");
        var context = new RecordingContext();

        var failed = await Assert.ThrowsAsync<DriverFailedException>(() => bed.Engine.NewSnapshotAsync(Nightly, context));

        Assert.Equal(ErrorIds.DriverFailed, failed.ErrorId);
        Assert.Contains("the array lost its controller", failed.Message, StringComparison.Ordinal);
        Assert.IsType<IOException>(failed.InnerException);
        Assert.DoesNotContain(bed.BackendFiles(), f => f.StartsWith("snapshots/", StringComparison.Ordinal) && f.EndsWith(".img", StringComparison.Ordinal));
        Assert.Contains("FindSnapshot", bed.Driver.Calls.SkipWhile(c => c != "CreateSnapshot")); // compensation looked it up by key
        Assert.Contains("DeleteSnapshot", bed.Driver.Calls);

        var row = Assert.Single(await bed.Engine.GetSnapshotsAsync(new SnapshotFilter(), context));
        Assert.Equal(SnapshotState.Error, row.State);
        Assert.Contains("the array lost its controller", row.ErrorMessage, StringComparison.Ordinal);
        var operation = (await bed.Engine.GetOperationsAsync(null, context)).Single(o => o.Kind == OperationKind.CreateSnapshot);
        Assert.Equal(OperationState.Failed, operation.State);
        Assert.Equal(row.Id, operation.TargetId);
        Assert.Contains(await bed.Engine.Inventory.ListEventsAsync(0, 100, CancellationToken.None), e => e.Kind == EventKind.OperationFailed && e.OperationId == operation.Id);
        Assert.Null((await bed.Engine.Inventory.GetVolumeAsync(volume.Id, CancellationToken.None))!.HeadSnapshotId);

        // The Error row can be removed; the name is free again.
        bed.Driver.After = null;
        Assert.True(await bed.Engine.RemoveSnapshotAsync(SnapshotSelector.Of(row), context));
        Assert.Equal(SnapshotState.Ready, (await bed.Engine.NewSnapshotAsync(Nightly, context))!.State);
    }

    [Fact]
    public async Task A_failing_compensation_is_reported_and_leaves_Error_for_repair()
    {
        bed.Driver.After = FailOn("CreateSnapshot", "controller lost");
        bed.Driver.Before = FailOn("DeleteSnapshot", "still unreachable");
        var context = new RecordingContext();

        await Assert.ThrowsAsync<DriverFailedException>(() => bed.Engine.NewSnapshotAsync(Nightly, context));

        var row = Assert.Single(await bed.Engine.GetSnapshotsAsync(new SnapshotFilter(), context));
        Assert.Equal(SnapshotState.Error, row.State);
        Assert.Contains("Cleanup also failed: still unreachable", row.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains(context.Output.Warnings, w => w.Contains("still unreachable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failed_revert_puts_the_volume_and_snapshot_back_as_they_were()
    {
        var snapshot = await bed.NewSnapshotAsync("db01", "nightly");
        var head = await bed.NewSnapshotAsync("db01", "later");
        bed.Driver.Before = FailOn("RevertVolume", "revert refused by the array");

        var failed = await Assert.ThrowsAsync<DriverFailedException>(() => bed.Engine.RevertSnapshotAsync(SnapshotSelector.Of(snapshot), new RecordingContext()));
        Assert.Contains("revert refused by the array", failed.Message, StringComparison.Ordinal);

        Assert.Equal(SnapshotState.Ready, (await bed.Engine.Inventory.GetSnapshotAsync(snapshot.Id, CancellationToken.None))!.State);
        var after = (await bed.Engine.Inventory.GetVolumeAsync(volume.Id, CancellationToken.None))!;
        Assert.Equal(VolumeState.Available, after.State);
        Assert.Equal(head.Id, after.HeadSnapshotId);
        Assert.Equal(OperationState.Failed, (await bed.Engine.GetOperationsAsync(null, new RecordingContext())).Single(o => o.Kind == OperationKind.RevertSnapshot).State);
    }

    [Fact]
    public async Task A_failed_clone_removes_the_half_made_volume_and_shows_Error()
    {
        var snapshot = await bed.NewSnapshotAsync("db01", "nightly");
        bed.Driver.After = FailOn("CloneVolume", "clone interrupted");

        await Assert.ThrowsAsync<DriverFailedException>(() => bed.Engine.CloneVolumeAsync(new CloneVolumeRequest("copy", SnapshotSelector.Of(snapshot)), new RecordingContext()));

        Assert.DoesNotContain("volumes/copy.img", bed.BackendFiles());
        var clone = (await bed.Engine.GetVolumesAsync(new VolumeFilter(Names: new[] { "copy" }), new RecordingContext())).Single();
        Assert.Equal(VolumeState.Error, clone.State);
        Assert.Contains("clone interrupted", clone.ErrorMessage, StringComparison.Ordinal);

        // The Error volume (which never got a driver reference) can be removed.
        bed.Driver.After = null;
        Assert.True(await bed.Engine.RemoveVolumeAsync(new RemoveVolumeRequest(VolumeSelector.Of(clone)), new RecordingContext()));
        Assert.Empty(await bed.Engine.GetVolumesAsync(new VolumeFilter(Names: new[] { "copy*" }), new RecordingContext()));
    }

    [Fact]
    public async Task Cancelling_inside_the_driver_call_cleans_up_and_raises_OperationCancelled()
    {
        using var cts = new CancellationTokenSource();
        bed.Driver.After = (method, _) =>
        {
            if (method != "CreateSnapshot") return Task.CompletedTask;
            cts.Cancel(); // Ctrl+C while the driver finished making the snapshot
            return Task.FromCanceled(cts.Token);
        };
        var context = new RecordingContext(cancellationToken: cts.Token);

        var cancelled = await Assert.ThrowsAsync<StorageSnapshotException>(() => bed.Engine.NewSnapshotAsync(Nightly, context));

        Assert.Equal(ErrorIds.OperationCancelled, cancelled.ErrorId);
        Assert.Equal(ErrorKind.OperationStopped, cancelled.Kind);
        Assert.Contains("Nothing was left half-done", cancelled.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(bed.BackendFiles(), f => f.StartsWith("snapshots/", StringComparison.Ordinal) && f.EndsWith(".img", StringComparison.Ordinal));
        Assert.Empty(await bed.Engine.GetSnapshotsAsync(new SnapshotFilter(), new RecordingContext()));
        var operation = (await bed.Engine.GetOperationsAsync(null, new RecordingContext())).Single(o => o.Kind == OperationKind.CreateSnapshot);
        Assert.Equal(OperationState.Failed, operation.State);
        Assert.Contains(await bed.Engine.Inventory.ListEventsAsync(0, 100, CancellationToken.None), e => e.Kind == EventKind.OperationCancelled);
    }

    [Fact]
    public async Task Cancelling_while_waiting_for_the_volume_lock_changes_nothing()
    {
        await using var held = await bed.HoldLockAsync(Operations.VolumeLock.KeyFor("lab", "db01"));
        await bed.ReopenAsync(lockTimeout: TimeSpan.FromMinutes(5));
        var before = await bed.CaptureAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var cancelled = await Assert.ThrowsAsync<StorageSnapshotException>(() => bed.Engine.NewSnapshotAsync(Nightly, new RecordingContext(cancellationToken: cts.Token)));

        Assert.Equal(ErrorIds.OperationCancelled, cancelled.ErrorId);
        Assert.Equal(before, await bed.CaptureAsync());
    }

    [Fact]
    public async Task VolumeBusy_without_a_recorded_operation_says_another_process()
    {
        await using var held = await bed.HoldLockAsync(Operations.VolumeLock.KeyFor("lab", "db01"));
        var engine = await bed.ReopenAsync(lockTimeout: TimeSpan.FromMilliseconds(100));

        var busy = await Assert.ThrowsAsync<VolumeBusyException>(() => engine.RemoveVolumeAsync(new RemoveVolumeRequest(VolumeSelector.Of(volume)), new RecordingContext()));

        Assert.Null(busy.HolderOperationId);
        Assert.Contains("another process", busy.Message, StringComparison.Ordinal);
        Assert.Equal(VolumeState.Available, (await engine.Inventory.GetVolumeAsync(volume.Id, CancellationToken.None))!.State);
    }
}
