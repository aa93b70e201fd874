using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Orchestration;

/// <summary>
/// While a revert runs, its volume is Reverting and the snapshot it reverts to is Reverting too. Those states
/// are settled by the operation holding the volume lock, so an operation asked for meanwhile waits for the lock
/// like any other (up to the lock timeout, then VolumeBusy) and re-checks under it — it does not fail at once with
/// InvalidState (issue 8: 53 of 260 New-StorageSnapshot calls in a race did).
/// </summary>
[Trait(InventoryKinds.Trait, InventoryKinds.Each)]
public sealed class WaitDuringRevertTests : IAsyncLifetime
{
    private EngineTestBed bed = null!;
    private Volume volume = null!;
    private Snapshot target = null!;
    private Snapshot other = null!;
    private readonly TaskCompletionSource reverting = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? repository;

    public async Task InitializeAsync()
    {
        bed = await EngineTestBed.CreateAsync();
        volume = await bed.NewVolumeAsync("db01");
        target = await bed.NewSnapshotAsync("db01", "before");
        other = await bed.NewSnapshotAsync("db01", "after");
        bed.Driver.Before = async (method, cancellationToken) =>
        {
            if (method != "RevertVolume" || release.Task.IsCompleted) return;
            reverting.TrySetResult();
            await release.Task.WaitAsync(cancellationToken);
        };
    }

    public async Task DisposeAsync()
    {
        release.TrySetResult();
        await bed.DisposeAsync();
    }

    /// <summary>Starts a revert to "before" and returns once the driver is inside it (the volume is Reverting).</summary>
    private async Task<Task<Snapshot?>> StartRevertAsync()
    {
        var revert = bed.Engine.RevertSnapshotAsync(SnapshotSelector.Of(target), OperationContext.Unattended());
        await reverting.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return revert;
    }

    private async Task<StorageSnapshotEngine> SecondEngineAsync(TimeSpan lockTimeout) =>
        await StorageSnapshotEngine.OpenAsync(bed.Options(lockTimeout), CancellationToken.None);

    public static TheoryData<string> Operations => new() { "snapshot", "revert-to-another", "clone-the-target", "remove-the-target", "copy-the-target" };

    private async Task<object?> RunAsync(string operation, StorageSnapshotEngine engine, OperationContext context)
    {
        switch (operation)
        {
            case "snapshot":
                return await engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(volume)) { Name = "during" }, context);
            case "revert-to-another":
                return await engine.RevertSnapshotAsync(SnapshotSelector.Of(other), context);
            case "clone-the-target":
                return await engine.CloneVolumeAsync(new CloneVolumeRequest("clone", SnapshotSelector.Of(target)), context);
            case "remove-the-target":
                return await engine.RemoveSnapshotAsync(SnapshotSelector.Of(target), context);
            case "copy-the-target":
                return await engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(SnapshotSelector.Of(target), "nfs1"), context);
            default:
                throw new ArgumentOutOfRangeException(nameof(operation));
        }
    }

    private async Task PrepareAsync(string operation)
    {
        if (operation != "copy-the-target") return;
        repository = Path.Combine(bed.Root, "secondary");
        await bed.Engine.RegisterSecondaryStorageAsync(new RegisterSecondaryStorageRequest("nfs1", repository) { CreateDirectory = true, ChunkSizeBytes = 64 << 10 }, OperationContext.Unattended());
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task An_operation_asked_for_during_a_revert_waits_for_it_and_then_runs(string operation)
    {
        await PrepareAsync(operation);
        var revert = await StartRevertAsync();
        await using var second = await SecondEngineAsync(TimeSpan.FromSeconds(30));
        var volumes = await second.GetVolumesAsync(new VolumeFilter(Ids: new[] { volume.Id }), OperationContext.Unattended());
        Assert.Equal(VolumeState.Reverting, Assert.Single(volumes).State);

        var context = new RecordingContext();
        var waiting = RunAsync(operation, second, context);
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted, waiting.Exception?.ToString() ?? "finished while the revert still held the volume");

        release.SetResult();
        Assert.NotNull(await revert);
        var result = await waiting;
        Assert.NotNull(result);
        Assert.NotEqual(false, result);
        Assert.Contains(context.Output.Verbose, line => line.StartsWith("Waiting up to", StringComparison.Ordinal));
        if (result is Snapshot taken && operation == "snapshot")
        {
            Assert.Equal(SnapshotState.Ready, taken.State);
            Assert.Equal(target.Id, taken.ParentId); // taken after the revert: it descends from the snapshot reverted to
        }
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task An_operation_that_waits_past_the_lock_timeout_is_VolumeBusy_naming_the_revert(string operation)
    {
        await PrepareAsync(operation);
        var revert = await StartRevertAsync();
        await using var second = await SecondEngineAsync(TimeSpan.FromMilliseconds(300));
        var before = await bed.CaptureAsync();

        var busy = await Assert.ThrowsAsync<VolumeBusyException>(() => RunAsync(operation, second, OperationContext.Unattended()));
        Assert.Equal(ErrorIds.VolumeBusy, busy.ErrorId);
        Assert.Contains(nameof(OperationKind.RevertSnapshot), busy.Message, StringComparison.Ordinal);
        Assert.Equal(before, await bed.CaptureAsync());

        release.SetResult();
        Assert.NotNull(await revert);
    }
}
