using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Orchestration;

/// <summary>Idempotent create with a client token, and maintenance mode.</summary>
[Trait(InventoryKinds.Trait, InventoryKinds.Each)]
public sealed class ClientTokenAndMaintenanceTests : IAsyncLifetime
{
    private EngineTestBed bed = null!;
    private Volume volume = null!;

    public async Task InitializeAsync()
    {
        bed = await EngineTestBed.CreateAsync();
        volume = await bed.NewVolumeAsync("db01");
    }

    public async Task DisposeAsync() => await bed.DisposeAsync();

    [Fact]
    public async Task A_repeated_create_with_the_same_token_returns_the_first_snapshot_without_a_driver_call()
    {
        var first = await bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(volume)) { ClientToken = "run-42" }, new RecordingContext());
        var callsAfterFirst = bed.Driver.Calls.Count;

        var repeat = new RecordingContext();
        var again = await bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(new VolumeSelector(Name: "db01")) { ClientToken = "run-42" }, repeat);

        Assert.Equal(first!.Id, again!.Id);
        Assert.Equal(callsAfterFirst, bed.Driver.Calls.Count);
        Assert.Empty(repeat.ShouldProcess.Questions);
        Assert.Contains(repeat.Output.Verbose, m => m.Contains("already used", StringComparison.Ordinal) && m.Contains(first.Id, StringComparison.Ordinal));
        Assert.Single(await bed.Engine.GetSnapshotsAsync(new SnapshotFilter(), repeat));

        // Another volume may use the same token for its own snapshot.
        var other = await bed.NewVolumeAsync("db02");
        var theirs = await bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(other)) { ClientToken = "run-42" }, new RecordingContext());
        Assert.NotEqual(first.Id, theirs!.Id);
    }

    [Fact]
    public async Task A_create_with_the_token_of_a_create_still_running_waits_for_it_and_returns_its_snapshot()
    {
        // The first create is held inside the driver: its snapshot is in the inventory, Creating, and it holds the lock.
        var inDriver = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bed.Driver.After = async (m, _) =>
        {
            if (m != "CreateSnapshot") return;
            inDriver.TrySetResult();
            await release.Task;
        };
        var request = new NewSnapshotRequest(VolumeSelector.Of(volume)) { Name = "once", ClientToken = "t4" };
        var first = Task.Run(() => bed.Engine.NewSnapshotAsync(request, new RecordingContext()));
        await inDriver.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(SnapshotState.Creating, Assert.Single(await bed.Engine.Inventory.ListSnapshotsAsync(new SnapshotQuery(), CancellationToken.None)).State);

        // The same request again (a second host, a retried runbook): not refused for a snapshot that is not Ready yet.
        var second = Task.Run(() => bed.Engine.NewSnapshotAsync(request, new RecordingContext()));
        await Task.Delay(200);
        release.SetResult();

        var made = await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(SnapshotState.Ready, made[0]!.State);
        Assert.Equal(made[0]!.Id, made[1]!.Id);
        Assert.Single(await bed.Engine.Inventory.ListSnapshotsAsync(new SnapshotQuery(), CancellationToken.None));
    }

    [Fact]
    public async Task The_same_token_with_another_name_is_refused()
    {
        await bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(volume)) { Name = "a", ClientToken = "t1" }, new RecordingContext());
        var same = await bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(volume)) { Name = "A", ClientToken = "t1" }, new RecordingContext());
        Assert.Equal("a", same!.Name);

        var before = await bed.CaptureAsync();
        var refused = await Assert.ThrowsAsync<ValidationException>(() =>
            bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(volume)) { Name = "b", ClientToken = "t1" }, new RecordingContext()));
        Assert.Equal(ErrorIds.InvalidArgument, refused.ErrorId);
        Assert.Contains("'t1'", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, await bed.CaptureAsync());
    }

    [Fact]
    public async Task A_token_whose_snapshot_failed_is_refused_until_the_failed_snapshot_is_removed()
    {
        bed.Driver.After = (m, _) => m == "CreateSnapshot" ? throw new IOException("boom") : Task.CompletedTask;
        await Assert.ThrowsAsync<DriverFailedException>(() => bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(volume)) { ClientToken = "t2" }, new RecordingContext()));
        bed.Driver.After = null;

        var failed = Assert.Single(await bed.Engine.GetSnapshotsAsync(new SnapshotFilter { Volumes = new[] { "db01" } }, new RecordingContext()));
        Assert.Equal(SnapshotState.Error, failed.State);

        // A re-run must not report success for a snapshot that does not exist.
        var before = await bed.CaptureAsync();
        var refused = await Assert.ThrowsAsync<ConflictException>(() =>
            bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(volume)) { ClientToken = "t2" }, new RecordingContext()));
        Assert.Equal(ErrorIds.InvalidState, refused.ErrorId);
        Assert.Contains(failed.Id, refused.Message, StringComparison.Ordinal);
        Assert.Contains("boom", refused.Message, StringComparison.Ordinal);
        Assert.Equal(failed.Id, Assert.IsType<Snapshot>(refused.Target).Id);
        Assert.Equal(before, await bed.CaptureAsync());

        // Removing the failed snapshot frees the token: the retry takes a real snapshot.
        Assert.True(await bed.Engine.RemoveSnapshotAsync(SnapshotSelector.Of(failed), new RecordingContext()));
        var retried = await bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(volume)) { ClientToken = "t2" }, new RecordingContext());
        Assert.Equal(SnapshotState.Ready, retried!.State);
        Assert.NotEqual(failed.Id, retried.Id);
    }

    [Fact]
    public async Task Maintenance_refuses_every_new_operation_naming_the_reason_and_Set_still_works()
    {
        var snapshot = await bed.NewSnapshotAsync("db01", "nightly");
        var set = await bed.Engine.SetBackendAsync(new SetBackendRequest("lab") { MaintenanceMode = true, Reason = "firmware upgrade" }, new RecordingContext());
        Assert.True(set!.MaintenanceMode);
        Assert.Equal("firmware upgrade", set.MaintenanceReason);
        var before = await bed.CaptureAsync();
        var callsBefore = bed.Driver.Calls.Count;

        var refusals = new List<Func<Task>>
        {
            () => bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(volume)), new RecordingContext()),
            () => bed.Engine.NewVolumeAsync(new NewVolumeRequest("lab", "db02", 1 << 20), new RecordingContext()),
            () => bed.Engine.CloneVolumeAsync(new CloneVolumeRequest("copy", SnapshotSelector.Of(snapshot)), new RecordingContext()),
            () => bed.Engine.RevertSnapshotAsync(SnapshotSelector.Of(snapshot), new RecordingContext()),
            () => bed.Engine.RemoveSnapshotAsync(SnapshotSelector.Of(snapshot), new RecordingContext()),
            () => bed.Engine.RemoveVolumeAsync(new RemoveVolumeRequest(VolumeSelector.Of(volume), IncludeSnapshots: true), new RecordingContext()),
        };
        foreach (var attempt in refusals)
        {
            var refused = await Assert.ThrowsAsync<BackendInMaintenanceException>(attempt);
            Assert.Equal(ErrorIds.BackendInMaintenance, refused.ErrorId);
            Assert.Contains("firmware upgrade", refused.Message, StringComparison.Ordinal);
        }
        Assert.Equal(before, await bed.CaptureAsync());
        Assert.Equal(callsBefore, bed.Driver.Calls.Count);

        // Inventory-only changes still work, and so does leaving maintenance.
        Assert.NotNull(await bed.Engine.SetSnapshotAsync(new SetSnapshotRequest(SnapshotSelector.Of(snapshot)) { Description = "kept" }, new RecordingContext()));
        var back = await bed.Engine.SetBackendAsync(new SetBackendRequest("lab") { MaintenanceMode = false }, new RecordingContext());
        Assert.False(back!.MaintenanceMode);
        Assert.Null(back.MaintenanceReason);
        Assert.Equal(SnapshotState.Ready, (await bed.NewSnapshotAsync("db01")).State);
        var events = await bed.Engine.Inventory.ListEventsAsync(0, 100, CancellationToken.None);
        Assert.Contains(events, e => e.Kind == EventKind.BackendMaintenanceOn);
        Assert.Contains(events, e => e.Kind == EventKind.BackendMaintenanceOff);
    }

    [Fact]
    public async Task An_operation_already_running_when_maintenance_starts_finishes()
    {
        var inside = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        bed.Driver.Before = async (m, _) =>
        {
            if (m != "CreateSnapshot") return;
            inside.SetResult();
            await release.Task;
        };
        var running = bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(volume)) { Name = "running" }, new RecordingContext());
        await inside.Task;

        // A second engine (another command) switches maintenance on while the snapshot is inside the driver.
        await using (var other = await StorageSnapshotEngine.OpenAsync(bed.Options(), CancellationToken.None))
            await other.SetBackendAsync(new SetBackendRequest("lab") { MaintenanceMode = true, Reason = "drain" }, new RecordingContext());
        release.SetResult();

        var snapshot = await running;
        Assert.Equal(SnapshotState.Ready, snapshot!.State);
        bed.Driver.Before = null;
        await Assert.ThrowsAsync<BackendInMaintenanceException>(() => bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(volume)), new RecordingContext()));
    }
}
