using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Orchestration;

/// <summary>
/// A backend's storage may hold volumes this inventory does not know: a directory registered again after the
/// inventory was lost, or shared by two users whose per-user inventories both point at it. Creating or cloning a
/// volume of the same name must refuse and leave that data alone — compensation removes only what the failed
/// operation made, and the refused name leaves no inventory row whose later removal could reach the data.
/// </summary>
[Trait(InventoryKinds.Trait, InventoryKinds.Each)]
public sealed class UntrackedStorageTests : IAsyncLifetime
{
    private static readonly byte[] TheirData = "someone else's volume"u8.ToArray();

    private EngineTestBed bed = null!;
    private string untracked = null!;

    public async Task InitializeAsync()
    {
        bed = await EngineTestBed.CreateAsync();
        Directory.CreateDirectory(Path.Combine(bed.BackendPath, "volumes"));
        untracked = Path.Combine(bed.BackendPath, "volumes", "db01.img");
        await File.WriteAllBytesAsync(untracked, TheirData);
    }

    public async Task DisposeAsync() => await bed.DisposeAsync();

    [Fact]
    public async Task New_volume_over_an_untracked_image_refuses_and_keeps_the_image()
    {
        var error = await Assert.ThrowsAsync<ConflictException>(() =>
            bed.Engine.NewVolumeAsync(new NewVolumeRequest(EngineTestBed.Backend, "db01", 1 << 20), new RecordingContext()));

        Assert.Equal(ErrorIds.AlreadyExists, error.ErrorId);
        await AssertUntouchedAndNoRowAsync();
    }

    [Fact]
    public async Task A_clone_onto_an_untracked_image_refuses_and_keeps_the_image()
    {
        await bed.NewVolumeAsync("source");
        var snapshot = await bed.NewSnapshotAsync("source", "s1");

        var error = await Assert.ThrowsAsync<ConflictException>(() =>
            bed.Engine.CloneVolumeAsync(new CloneVolumeRequest("db01", SnapshotSelector.Of(snapshot)), new RecordingContext()));

        Assert.Equal(ErrorIds.AlreadyExists, error.ErrorId);
        await AssertUntouchedAndNoRowAsync();
    }

    private async Task AssertUntouchedAndNoRowAsync()
    {
        Assert.Equal(TheirData, await File.ReadAllBytesAsync(untracked));
        Assert.DoesNotContain("DeleteVolume", bed.Driver.Calls);

        // No Error row is left behind: removing one would look the name up on the storage and find their image.
        var context = new RecordingContext();
        Assert.Empty(await bed.Engine.GetVolumesAsync(new VolumeFilter(Names: new[] { "db01" }), context));
        var operation = (await bed.Engine.GetOperationsAsync(null, context)).Last();
        Assert.Equal(OperationState.Failed, operation.State);
        Assert.Contains("already exists", operation.Error, StringComparison.Ordinal);
    }
}
