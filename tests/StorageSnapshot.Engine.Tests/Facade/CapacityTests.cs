using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Tests.Infrastructure;
using StorageSnapshot.Engine.Tests.Orchestration;

namespace StorageSnapshot.Engine.Tests.Facade;

/// <summary>
/// A volume the backend cannot hold is refused before anything is recorded (issue 8: a 1 PiB volume on a small
/// filesystem was accepted and left an Error row, a journal entry and a lock file); one larger than the free
/// space is thin provisioning, allowed with a warning. On a real 64 MiB ext4 filesystem, whose largest file is
/// 16 TiB.
/// </summary>
[Trait(InventoryKinds.Trait, InventoryKinds.Each)]
public sealed class CapacityTests
{
    private const long OnePiB = 1L << 50;

    private static async Task<(EngineTestBed Bed, LoopFilesystem Ext4)> BedOnExt4Async()
    {
        Integration.Require(Integration.IsRoot && Integration.HasTool("mkfs.ext4") && Integration.HasTool("losetup"), "an ext4 loop filesystem needs root, losetup and mkfs.ext4");
        var ext4 = LoopFilesystem.Create("ext4", 64L << 20, "-q", "-F");
        var bed = await EngineTestBed.CreateAsync(register: false);
        await bed.Engine.RegisterBackendAsync(
            new RegisterBackendRequest("small", "directory", new Dictionary<string, object?> { ["Path"] = ext4.CreateDirectory("backend") }),
            OperationContext.Unattended());
        return (bed, ext4);
    }

    private static string[] LockFiles(EngineTestBed bed)
    {
        var locks = Path.Combine(bed.Home, "locks");
        return Directory.Exists(locks) ? Directory.GetFiles(locks) : Array.Empty<string>();
    }

    [IntegrationFact(true, "mkfs.ext4", "losetup", "mount", "umount")]
    public async Task A_volume_larger_than_the_filesystem_can_hold_is_refused_and_leaves_nothing_behind()
    {
        var (bed, ext4) = await BedOnExt4Async();
        using var _ = ext4;
        await using var __ = bed;
        var backendPath = (await bed.Engine.GetBackendsAsync(new[] { "small" }, OperationContext.Unattended())).Single().Properties["Path"];
        var before = await bed.CaptureAsync();
        var context = new RecordingContext();

        var refused = await Assert.ThrowsAsync<ValidationException>(() => bed.Engine.NewVolumeAsync(new NewVolumeRequest("small", "huge", OnePiB), context));

        Assert.Equal(ErrorIds.InvalidArgument, refused.ErrorId);
        Assert.Contains("1 PiB", refused.Message, StringComparison.Ordinal);
        Assert.Contains("ext4", refused.Message, StringComparison.Ordinal);
        Assert.Contains("largest file", refused.Message, StringComparison.Ordinal);
        Assert.Empty(context.ShouldProcess.Questions); // refused before asking: -WhatIf says so too
        Assert.Equal(before, await bed.CaptureAsync()); // no volume row, no journal entry, no event
        Assert.Empty(await bed.Engine.GetOperationsAsync(null, OperationContext.Unattended()));
        Assert.Empty(LockFiles(bed));
        Assert.Empty(Directory.EnumerateFileSystemEntries(backendPath, "*", SearchOption.AllDirectories));
    }

    [IntegrationFact(true, "mkfs.ext4", "losetup", "mount", "umount")]
    public async Task A_volume_larger_than_the_free_space_is_thin_provisioned_with_a_warning()
    {
        var (bed, ext4) = await BedOnExt4Async();
        using var _ = ext4;
        await using var __ = bed;
        var context = new RecordingContext();

        var volume = await bed.Engine.NewVolumeAsync(new NewVolumeRequest("small", "thin", 1L << 30), context);

        Assert.Equal(VolumeState.Available, volume!.State);
        Assert.Equal(1L << 30, new FileInfo(volume.Location!).Length);
        var warning = Assert.Single(context.Output.Warnings);
        Assert.Contains("thin-provisioned", warning, StringComparison.Ordinal);
        Assert.Contains("volume 'thin' on backend 'small'", warning, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_volume_the_backend_can_hold_gets_no_warning_and_the_size_probe_leaves_nothing()
    {
        await using var bed = await EngineTestBed.CreateAsync();
        var context = new RecordingContext();
        await bed.Engine.NewVolumeAsync(new NewVolumeRequest(EngineTestBed.Backend, "small", 1 << 20), context);
        Assert.Empty(context.Output.Warnings);
        Assert.Equal(new[] { "volumes/small.img" }, bed.BackendFiles());
    }
}
