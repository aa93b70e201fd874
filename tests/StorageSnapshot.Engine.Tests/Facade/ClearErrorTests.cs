using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Tests.Orchestration;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Facade;

/// <summary>Error messages that read as one sentence about the problem, with the way out in RecommendedAction (issue 8).</summary>
[Trait(InventoryKinds.Trait, InventoryKinds.Each)]
public sealed class ClearErrorTests
{
    [Fact]
    public async Task Restoring_in_place_a_copy_whose_volume_is_gone_says_so_and_points_to_a_new_volume()
    {
        await using var bed = await EngineTestBed.CreateAsync();
        var volume = await bed.NewVolumeAsync("db01");
        var snapshot = await bed.NewSnapshotAsync("db01", "nightly");
        await bed.Engine.RegisterSecondaryStorageAsync(new RegisterSecondaryStorageRequest("nfs1", Path.Combine(bed.Root, "secondary")) { CreateDirectory = true, ChunkSizeBytes = 64 << 10 }, OperationContext.Unattended());
        var copy = await bed.Engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(SnapshotSelector.Of(snapshot), "nfs1"), OperationContext.Unattended());
        await bed.Engine.RemoveVolumeAsync(new RemoveVolumeRequest(VolumeSelector.Of(volume), IncludeSnapshots: true), OperationContext.Unattended());

        var error = await Assert.ThrowsAsync<ObjectNotFoundException>(() => bed.Engine.RestoreSnapshotFromCopyAsync(copy!.Id, OperationContext.Unattended()));

        Assert.Equal(ErrorIds.VolumeNotFound, error.ErrorId);
        Assert.Equal(
            $"Volume 'db01' on backend 'lab' (id {volume.Id}), the volume copy {copy!.Id} was taken from, no longer exists: the copy cannot be restored in place.",
            error.Message);
        Assert.Equal(ErrorHint.RestoreIntoNewVolume(copy.Id), error.Hint); // the cmdlets: New-StorageVolume -Name <name> -FromCopy (Get-SnapshotCopy -Id ...)
        Assert.Equal($"Restore copy {copy.Id} into a new volume instead.", error.RecommendedAction);
        Assert.Equal(copy.Id, Assert.IsType<SnapshotCopy>(error.Target).Id);
    }
}
