using StorageSnapshot.Engine.Drivers.Btrfs;
using StorageSnapshot.Engine.Platform.Linux;
using StorageSnapshot.Engine.Tests.Drivers.Btrfs;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Drift;

/// <summary>Drift detection and repair on btrfs subvolumes (a btrfs filesystem on a loop device).</summary>
[IntegrationRequirements(needsRoot: true, "mkfs.btrfs", "losetup", "mount")]
public sealed class BtrfsDriftTests(BtrfsLoopFixture btrfs) : DriftScenarios, IClassFixture<BtrfsLoopFixture>
{
    protected override string DriverName => BtrfsDriver.DriverName;

    protected override string CreateRoot() => btrfs.Filesystem.CreateDirectory("drift");

    protected override void DeleteRoot(string path) => BtrfsTestStorage.DeleteTree(path);

    protected override void LeaveLeftover(string volumeName)
    {
        var volumes = Path.Combine(BackendPath, "volumes");
        Directory.CreateDirectory(volumes);
        BtrfsIoctls.CreateSubvolume(volumes, BtrfsLayout.WorkName(volumeName, "create"));
    }
}
