using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Orchestration;

/// <summary>
/// A snapshot's creation time orders it among its volume's snapshots (listing, "newer snapshots" in a revert
/// plan, what a RevertDestroysNewerSnapshots driver destroys), so it must follow the order in which snapshots
/// really are taken — the volume lock's order — not the moment a caller started asking.
/// </summary>
[Trait(InventoryKinds.Trait, InventoryKinds.Each)]
public sealed class SnapshotOrderTests : IAsyncLifetime
{
    private EngineTestBed bed = null!;

    public async Task InitializeAsync()
    {
        bed = await EngineTestBed.CreateAsync();
        await bed.NewVolumeAsync("db01");
    }

    public async Task DisposeAsync() => await bed.DisposeAsync();

    [Fact]
    public async Task A_create_that_was_planned_first_but_ran_second_is_the_newer_snapshot()
    {
        // "late" is planned (validated, named, asked about) and then held at its confirmation prompt while
        // "early" is taken from start to end; then "late" goes on and is taken after it.
        using var asked = new ManualResetEventSlim();
        using var answer = new ManualResetEventSlim();
        var prompt = new OperationContext(new RecordingOutput(), (_, _) =>
        {
            asked.Set();
            answer.Wait(TimeSpan.FromSeconds(30));
            return true;
        }, CancellationToken.None);
        var lateTask = Task.Run(() => bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(new VolumeSelector(Name: "db01")) { Name = "late" }, prompt));
        Assert.True(asked.Wait(TimeSpan.FromSeconds(30)));

        await Task.Delay(20); // a clock tick apart
        var early = await bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(new VolumeSelector(Name: "db01")) { Name = "early" }, new RecordingContext());
        answer.Set();
        var late = await lateTask;

        Assert.Equal(early!.Id, late!.ParentId); // taken after "early", on top of it
        Assert.True(late.CreatedUtc >= early.CreatedUtc, $"'late' ({late.CreatedUtc:O}) reads as older than its parent 'early' ({early.CreatedUtc:O}).");
        var listed = await bed.Engine.GetSnapshotsAsync(new SnapshotFilter { Volumes = new[] { "db01" } }, new RecordingContext());
        Assert.Equal(new[] { "early", "late" }, listed.Select(s => s.Name));
        var plan = await bed.Engine.PlanRevertAsync(SnapshotSelector.Of(early), CancellationToken.None);
        Assert.Equal(new[] { late.Id }, plan.NewerSnapshots.Select(s => s.Id));
    }
}
