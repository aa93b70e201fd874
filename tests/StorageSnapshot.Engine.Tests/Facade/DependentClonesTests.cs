using StorageSnapshot.Engine.Drivers.Directory;
using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Tests.Infrastructure;
using StorageSnapshot.Engine.Tests.Orchestration;

namespace StorageSnapshot.Engine.Tests.Facade;

/// <summary>
/// A backend whose driver declares ClonesDependOnSnapshot and RevertDestroysNewerSnapshots (the directory
/// driver wrapped to declare them, as an RBD- or ZFS-like array would).
/// </summary>
public sealed class DependentClonesTests : IAsyncLifetime
{
    private EngineTestBed bed = null!;
    private Snapshot first = null!;
    private Snapshot second = null!;

    public async Task InitializeAsync()
    {
        bed = await EngineTestBed.CreateAsync(driver: "directory-dependent");
        await bed.NewVolumeAsync("db01");
        first = await bed.NewSnapshotAsync("db01", "first");
        second = await bed.NewSnapshotAsync("db01", "second");
    }

    public async Task DisposeAsync() => await bed.DisposeAsync();

    [Fact]
    public async Task A_snapshot_with_dependent_clones_cannot_be_deleted()
    {
        var clone = await bed.Engine.CloneVolumeAsync(new CloneVolumeRequest("copy", SnapshotSelector.Of(first)), new RecordingContext());
        var before = await bed.CaptureAsync();

        var e = await Assert.ThrowsAsync<ConflictException>(() => bed.Engine.RemoveSnapshotAsync(SnapshotSelector.Of(first), new RecordingContext()));
        Assert.Equal(ErrorIds.SnapshotHasDependents, e.ErrorId);
        Assert.Contains("'copy'", e.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorIds.SnapshotHasDependents, (await bed.Engine.PlanRemoveAsync(SnapshotSelector.Of(first), CancellationToken.None)).Refusal?.ErrorId);

        // Removing the volume with its snapshots is refused as a whole, before anything is deleted.
        var whole = await Assert.ThrowsAsync<ConflictException>(() => bed.Engine.RemoveVolumeAsync(new RemoveVolumeRequest(new VolumeSelector(Name: "db01"), IncludeSnapshots: true), new RecordingContext()));
        Assert.Equal(ErrorIds.SnapshotHasDependents, whole.ErrorId);
        Assert.Equal(before, await bed.CaptureAsync());

        // Once the clone is gone, the snapshot can go.
        Assert.True(await bed.Engine.RemoveVolumeAsync(new RemoveVolumeRequest(VolumeSelector.Of(clone!)), new RecordingContext()));
        Assert.True(await bed.Engine.RemoveSnapshotAsync(SnapshotSelector.Of(first), new RecordingContext()));
    }

    [Fact]
    public async Task A_revert_that_destroys_newer_snapshots_says_so_and_forgets_them()
    {
        var whatIf = new RecordingContext(answer: false);
        await bed.Engine.RevertSnapshotAsync(SnapshotSelector.Of(first), whatIf);
        Assert.Contains("The 1 newer snapshot(s) 'second' are destroyed.", Assert.Single(whatIf.ShouldProcess.Questions).Action, StringComparison.Ordinal);

        var reverted = await bed.Engine.RevertSnapshotAsync(SnapshotSelector.Of(first), new RecordingContext());
        Assert.Equal(SnapshotState.Ready, reverted!.State);
        Assert.Null(await bed.Engine.Inventory.GetSnapshotAsync(second.Id, CancellationToken.None));
        Assert.Contains(await bed.Engine.Inventory.ListEventsAsync(0, 100, CancellationToken.None),
            e => e.Kind == "snapshot.reverted" && e.Message!.Contains("'second'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_dependent_variant_really_is_the_directory_driver()
    {
        Assert.Equal(DirectoryDriver.DriverName, bed.Driver.Descriptor.Name);
        Assert.Contains("CreateSnapshot", bed.DependentClonesDriver.Calls);
        Assert.True(File.Exists(second.Location));
    }
}
