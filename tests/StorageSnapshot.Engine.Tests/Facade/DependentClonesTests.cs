using System.Text;
using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Tests.Infrastructure;
using StorageSnapshot.Engine.Tests.Orchestration;

namespace StorageSnapshot.Engine.Tests.Facade;

/// <summary>
/// A backend whose driver declares ClonesDependOnSnapshot and RevertDestroysNewerSnapshots (the directory
/// driver wrapped to declare them, as an RBD- or ZFS-like array would): what the clone holds, what is refused
/// and what a revert leaves, checked on the bytes of the volumes and against the plain directory driver.
/// </summary>
[Trait(InventoryKinds.Trait, InventoryKinds.Each)]
public sealed class DependentClonesTests : IAsyncLifetime
{
    private static readonly byte[] FirstData = Encoding.ASCII.GetBytes("the data when 'first' was taken");
    private static readonly byte[] SecondData = Encoding.ASCII.GetBytes("the data when 'second' was taken");
    private static readonly byte[] CurrentData = Encoding.ASCII.GetBytes("the data written after both....");
    private EngineTestBed bed = null!;
    private Volume volume = null!;
    private Snapshot first = null!;
    private Snapshot second = null!;

    public async Task InitializeAsync()
    {
        bed = await EngineTestBed.CreateAsync(driver: "directory-dependent");
        (volume, first, second) = await VolumeWithTwoSnapshotsAsync(bed);
    }

    public async Task DisposeAsync() => await bed.DisposeAsync();

    private static async Task<(Volume, Snapshot, Snapshot)> VolumeWithTwoSnapshotsAsync(EngineTestBed testBed)
    {
        var made = await testBed.NewVolumeAsync("db01");
        EngineTestBed.Write(made, 0, FirstData);
        var one = await testBed.NewSnapshotAsync("db01", "first");
        EngineTestBed.Write(made, 0, SecondData);
        var two = await testBed.NewSnapshotAsync("db01", "second");
        EngineTestBed.Write(made, 0, CurrentData);
        return (made, one, two);
    }

    private static byte[] Head(string location) => EngineTestBed.Read(location, 0, FirstData.Length);

    [Fact]
    public async Task A_clone_holds_the_snapshots_bytes_and_the_snapshot_cannot_be_deleted_while_the_clone_exists()
    {
        var clone = (await bed.Engine.CloneVolumeAsync(new CloneVolumeRequest("copy", SnapshotSelector.Of(first)), new RecordingContext()))!;
        Assert.Equal(FirstData, Head(clone.Location!));
        Assert.Equal(File.ReadAllBytes(first.Location!), File.ReadAllBytes(clone.Location!)); // the whole image, not just its head
        var before = await bed.CaptureAsync();

        var e = await Assert.ThrowsAsync<ConflictException>(() => bed.Engine.RemoveSnapshotAsync(SnapshotSelector.Of(first), new RecordingContext()));
        Assert.Equal(ErrorIds.SnapshotHasDependents, e.ErrorId);
        Assert.Contains("'copy'", e.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorIds.SnapshotHasDependents, (await bed.Engine.PlanRemoveAsync(SnapshotSelector.Of(first), CancellationToken.None)).Refusal?.ErrorId);

        // Removing the volume with its snapshots is refused as a whole, before anything is deleted.
        var whole = await Assert.ThrowsAsync<ConflictException>(() => bed.Engine.RemoveVolumeAsync(new RemoveVolumeRequest(new VolumeSelector(Name: "db01"), IncludeSnapshots: true), new RecordingContext()));
        Assert.Equal(ErrorIds.SnapshotHasDependents, whole.ErrorId);

        // Nothing changed: every inventory row and every byte of every file in the backend is as before.
        Assert.Equal(before, await bed.CaptureAsync());
        Assert.Equal(FirstData, Head(first.Location!));
        Assert.Equal(FirstData, Head(clone.Location!));
        Assert.Equal(CurrentData, Head(volume.Location!));

        // The refusal is about dependents only: the snapshot no clone depends on goes.
        Assert.True(await bed.Engine.RemoveSnapshotAsync(SnapshotSelector.Of(second), new RecordingContext()));

        // Once the clone is gone, the snapshot can go, and its data with it.
        Assert.True(await bed.Engine.RemoveVolumeAsync(new RemoveVolumeRequest(VolumeSelector.Of(clone)), new RecordingContext()));
        Assert.True(await bed.Engine.RemoveSnapshotAsync(SnapshotSelector.Of(first), new RecordingContext()));
        Assert.Null(await bed.Engine.Inventory.GetSnapshotAsync(first.Id, CancellationToken.None));
        Assert.False(File.Exists(first.Location), $"{first.Location} is still there");
    }

    [Fact]
    public async Task On_a_driver_whose_clones_are_independent_the_same_deletion_goes_through_and_the_clone_keeps_its_bytes()
    {
        await using var plain = await EngineTestBed.CreateAsync();
        var (_, plainFirst, _) = await VolumeWithTwoSnapshotsAsync(plain);
        var clone = (await plain.Engine.CloneVolumeAsync(new CloneVolumeRequest("copy", SnapshotSelector.Of(plainFirst)), new RecordingContext()))!;

        Assert.True(await plain.Engine.RemoveSnapshotAsync(SnapshotSelector.Of(plainFirst), new RecordingContext()));

        Assert.False(File.Exists(plainFirst.Location));
        Assert.Equal(FirstData, Head(clone.Location!));
    }

    [Fact]
    public async Task A_revert_that_destroys_newer_snapshots_says_so_brings_the_bytes_back_and_forgets_them()
    {
        var before = await bed.CaptureAsync();
        var whatIf = new RecordingContext(answer: false);
        Assert.Null(await bed.Engine.RevertSnapshotAsync(SnapshotSelector.Of(first), whatIf));
        Assert.Contains("The 1 newer snapshot(s) 'second' are destroyed.", Assert.Single(whatIf.ShouldProcess.Questions).Action, StringComparison.Ordinal);
        Assert.Equal(before, await bed.CaptureAsync()); // the question changed nothing
        Assert.Equal(CurrentData, Head(volume.Location!));

        var reverted = await bed.Engine.RevertSnapshotAsync(SnapshotSelector.Of(first), new RecordingContext());

        Assert.Equal(SnapshotState.Ready, reverted!.State);
        Assert.Equal(FirstData, Head(volume.Location!));
        Assert.Equal(File.ReadAllBytes(first.Location!), File.ReadAllBytes(volume.Location!));
        Assert.Null(await bed.Engine.Inventory.GetSnapshotAsync(second.Id, CancellationToken.None));
        Assert.Equal(new[] { "first" }, (await bed.Engine.GetSnapshotsAsync(new SnapshotFilter(), new RecordingContext())).Select(s => s.Name));
        Assert.Contains(await bed.Engine.Inventory.ListEventsAsync(0, 100, CancellationToken.None),
            e => e.Kind == EventKind.SnapshotReverted && e.Message!.Contains("'second'", StringComparison.Ordinal));
    }
}
