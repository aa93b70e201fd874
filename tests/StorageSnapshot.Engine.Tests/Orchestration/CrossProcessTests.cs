using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Orchestration;

/// <summary>
/// Two processes on one volume: a TestHost child takes a snapshot whose driver call is paused (it holds the
/// volume lock and its journal entry is Running), and this process's engine races it — or the child is killed
/// with SIGKILL inside the driver call and the next open finds its operation.
/// </summary>
[Trait(InventoryKinds.Trait, InventoryKinds.Each)]
public sealed class CrossProcessTests : IAsyncLifetime
{
    private EngineTestBed bed = null!;

    public async Task InitializeAsync()
    {
        bed = await EngineTestBed.CreateAsync();
        await bed.NewVolumeAsync("db01");
    }

    public async Task DisposeAsync() => await bed.DisposeAsync();

    [Fact]
    public async Task A_second_process_gets_VolumeBusy_naming_the_holders_operation()
    {
        // The holder keeps the lock until told GO: however slow this machine, it still holds it during the race.
        await using var holder = TestHostProcess.Start(bed.ChildEnvironment, "orchestration", "hold-lock", bed.Home, EngineTestBed.Backend, "db01", "until-go");
        await holder.WaitForLineAsync("READY");
        var running = Assert.Single(await bed.Engine.GetOperationsAsync(new[] { OperationState.Running }, new RecordingContext()));
        Assert.Equal(OperationKind.CreateSnapshot, running.Kind);
        Assert.Contains($"/{holder.Id}/", running.Owner, StringComparison.Ordinal);

        var engine = await bed.ReopenAsync(lockTimeout: TimeSpan.FromMilliseconds(300));
        var before = await bed.CaptureAsync();
        var busy = await Assert.ThrowsAsync<VolumeBusyException>(() => engine.NewSnapshotAsync(
            new NewSnapshotRequest(new VolumeSelector(Name: "db01")) { Name = "racer" }, new RecordingContext()));
        Assert.Equal(ErrorIds.VolumeBusy, busy.ErrorId);
        Assert.Equal(running.Id, busy.HolderOperationId);
        Assert.Contains(running.Id, busy.Message, StringComparison.Ordinal);
        Assert.Contains("CreateSnapshot", busy.Message, StringComparison.Ordinal);
        Assert.Equal(before, await bed.CaptureAsync());

        // The reopen above did not mistake the live holder's entry for a dead one.
        Assert.Equal(OperationState.Running, (await engine.Inventory.GetOperationAsync(running.Id, CancellationToken.None))!.State);

        // Let go: the holder finishes its snapshot.
        await holder.SayGoAsync();
        Assert.Equal(0, await holder.WaitForExitAsync());
        Assert.StartsWith("DONE ", await holder.WaitForLineAsync("DONE "), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_long_timeout_the_second_process_waits_and_succeeds_after_the_holder()
    {
        // A handshake, no time window: the child holds the lock until this process, seen waiting for it, says GO.
        await using var holder = TestHostProcess.Start(bed.ChildEnvironment, "orchestration", "hold-lock", bed.Home, EngineTestBed.Backend, "db01", "until-go");
        await holder.WaitForLineAsync("READY");

        var engine = await bed.ReopenAsync(lockTimeout: TimeSpan.FromSeconds(60));
        var context = new RecordingContext();
        var waiting = engine.NewSnapshotAsync(new NewSnapshotRequest(new VolumeSelector(Name: "db01")) { Name = "after" }, context);
        await WaitUntilAsync(() => context.Output.Verbose.Any(m => m.StartsWith("Waiting up to 60 s", StringComparison.Ordinal)) || waiting.IsCompleted);
        Assert.False(waiting.IsCompleted, "the second snapshot did not wait for the holder");

        await holder.SayGoAsync();
        var mine = await waiting;
        Assert.Equal(0, await holder.WaitForExitAsync());
        var held = (await holder.WaitForLineAsync("DONE ")).Split(' ')[1];
        Assert.Equal(SnapshotState.Ready, mine!.State);
        Assert.Equal(held, mine.ParentId); // serialised: mine was taken after the holder's and descends from it
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the condition did not come true within 60 s");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task A_process_killed_inside_the_driver_call_leaves_an_operation_marked_NeedsRecovery_on_the_next_open()
    {
        await using (var holder = TestHostProcess.Start(bed.ChildEnvironment, "orchestration", "hold-lock", bed.Home, EngineTestBed.Backend, "db01", "600000"))
        {
            await holder.WaitForLineAsync("READY");
            await holder.KillAsync();
        }

        var engine = await bed.ReopenAsync();
        var operation = Assert.Single(await engine.GetOperationsAsync(new[] { OperationState.NeedsRecovery }, new RecordingContext()));
        Assert.Equal(OperationKind.CreateSnapshot, operation.Kind);
        Assert.Contains("ended while the operation was running", operation.Error, StringComparison.Ordinal);
        Assert.Empty(await engine.GetOperationsAsync(new[] { OperationState.Running }, new RecordingContext()));

        var snapshot = (await engine.Inventory.GetSnapshotAsync(operation.TargetId!, CancellationToken.None))!;
        Assert.Equal("held", snapshot.Name);
        Assert.Equal(SnapshotState.Creating, snapshot.State); // never Ready
        Assert.Empty(await engine.GetSnapshotsAsync(new SnapshotFilter { States = new[] { SnapshotState.Ready } }, new RecordingContext()));
        Assert.Contains(await engine.Inventory.ListEventsAsync(0, 1000, CancellationToken.None), e => e.Kind == EventKind.OperationNeedsRecovery && e.OperationId == operation.Id);

        // The volume is usable again: its lock died with the process.
        var next = await bed.NewSnapshotAsync("db01", "next");
        Assert.Equal(SnapshotState.Ready, next.State);

        // Repair: the driver never took it, so it is rolled back — the row forgotten, the head left on "next".
        string? action = null;
        var repair = new OperationContext(new RecordingOutput(), (_, a) => { action = a; return true; }, CancellationToken.None);
        var recovered = await engine.RepairOperationAsync(operation.Id, repair);
        Assert.Equal(OperationState.Recovered, recovered!.State);
        Assert.Equal(RecoveryDirection.RolledBack, recovered.Recovery);
        Assert.StartsWith("Roll back: forget snapshot 'held', which does not exist, because the driver holds no snapshot under key", action);
        Assert.Equal(2, recovered.Attempts);
        Assert.Null(await engine.Inventory.GetSnapshotAsync(operation.TargetId!, CancellationToken.None));
        Assert.Equal(next.Id, (await engine.Inventory.GetVolumeAsync(next.VolumeId, CancellationToken.None))!.HeadSnapshotId);
        Assert.Contains(await engine.Inventory.ListEventsAsync(0, 1000, CancellationToken.None), e => e.Kind == EventKind.OperationRecovered && e.OperationId == operation.Id);
    }

    [Fact]
    public async Task A_process_killed_after_the_driver_made_the_snapshot_leaves_it_Creating_and_findable_for_repair()
    {
        await using (var holder = TestHostProcess.Start(bed.ChildEnvironment, "orchestration", "hold-after-driver", bed.Home, EngineTestBed.Backend, "db01", "600000"))
        {
            await holder.WaitForLineAsync("READY");
            await holder.KillAsync();
        }

        var engine = await bed.ReopenAsync();
        var operation = Assert.Single(await engine.GetOperationsAsync(new[] { OperationState.NeedsRecovery }, new RecordingContext()));
        Assert.Equal(OperationKind.CreateSnapshot, operation.Kind);

        // The storage has the snapshot, the inventory does not call it Ready: phase two never ran.
        var snapshot = (await engine.Inventory.GetSnapshotAsync(operation.TargetId!, CancellationToken.None))!;
        Assert.Equal(SnapshotState.Creating, snapshot.State);
        Assert.Null(snapshot.DriverReference);
        Assert.Empty(await engine.GetSnapshotsAsync(new SnapshotFilter { States = new[] { SnapshotState.Ready } }, new RecordingContext()));
        Assert.Null((await engine.Inventory.GetVolumeAsync(snapshot.VolumeId, CancellationToken.None))!.HeadSnapshotId);

        // What repair needs to find the made snapshot is in the journal entry: the driver's key is the snapshot id.
        Assert.Equal(snapshot.Id, Assert.IsType<CreateSnapshotDetails>(operation.Details).SnapshotKey);
        Assert.Contains($"snapshots/db01/{snapshot.Id}.img", bed.BackendFiles());

        // -WhatIf: the decision is asked and nothing changes.
        string? action = null;
        var whatIf = new OperationContext(new RecordingOutput(), (_, a) => { action = a; return false; }, CancellationToken.None);
        Assert.Null(await engine.RepairOperationAsync(operation.Id, whatIf));
        Assert.StartsWith($"Roll forward: record snapshot 'held' as Ready, because the driver holds the snapshot it took under key {snapshot.Id}", action);
        Assert.Equal(OperationState.NeedsRecovery, (await engine.Inventory.GetOperationAsync(operation.Id, CancellationToken.None))!.State);

        // Repair rolls it forward: Ready at the driver's reference, the volume's head on it, the entry Recovered.
        var recovered = await engine.RepairOperationAsync(operation.Id, new RecordingContext());
        Assert.Equal(RecoveryDirection.RolledForward, recovered!.Recovery);
        var ready = (await engine.Inventory.GetSnapshotAsync(snapshot.Id, CancellationToken.None))!;
        Assert.Equal(SnapshotState.Ready, ready.State);
        Assert.NotNull(ready.DriverReference);
        Assert.Equal(ready.Id, (await engine.Inventory.GetVolumeAsync(snapshot.VolumeId, CancellationToken.None))!.HeadSnapshotId);

        // Idempotent: again, it is answered from the journal without a question.
        var asked = false;
        var again = await engine.RepairOperationAsync(operation.Id, new OperationContext(new RecordingOutput(), (_, _) => asked = true, CancellationToken.None));
        Assert.Equal(OperationState.Recovered, again!.State);
        Assert.False(asked);
        // An entry that needs no repair is refused with InvalidState; an unknown id is OperationNotFound.
        var succeeded = (await engine.GetOperationsAsync(new[] { OperationState.Succeeded }, new RecordingContext()))[0];
        Assert.Equal(ErrorIds.InvalidState, (await Assert.ThrowsAsync<ConflictException>(() => engine.RepairOperationAsync(succeeded.Id, new RecordingContext()))).ErrorId);
        Assert.Equal(ErrorIds.OperationNotFound, (await Assert.ThrowsAsync<ObjectNotFoundException>(() => engine.RepairOperationAsync("01NOSUCHOPERATION", new RecordingContext()))).ErrorId);
    }
}
