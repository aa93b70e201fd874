using StorageSnapshot.Engine.Platform.Linux;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Drivers.Directory;

/// <summary>
/// On the ordinary temp directory (ext4 on the project machines: no reflink, so sparse copies and no changed
/// ranges). Runs everywhere, no root needed.
/// </summary>
public sealed class DirectoryDriverOnTempDirectoryTests : DirectoryDriverTests
{
    private static readonly bool TempIsReflinkFilesystem =
        FilesystemType.Of(Path.GetTempPath()) is FilesystemType.Xfs or FilesystemType.Btrfs;

    /// <inheritdoc />
    protected override string CreateFreshDirectory() => System.IO.Directory.CreateTempSubdirectory("storagesnapshot-dir-").FullName;

    /// <inheritdoc />
    protected override string ExpectedCopyMethod => TempIsReflinkFilesystem ? "reflink" : "sparse-copy";

    /// <inheritdoc />
    protected override bool ExpectsChangedRanges => TempIsReflinkFilesystem;
}

/// <summary>On XFS with reflink=1 on a loop device: reflink snapshots and exact changed ranges.</summary>
[IntegrationRequirements(needsRoot: true, "mkfs.xfs", "losetup", "mount", "chattr")]
public sealed class DirectoryDriverOnXfsTests(XfsLoopFixture xfs) : DirectoryDriverTests, IClassFixture<XfsLoopFixture>
{
    /// <inheritdoc />
    protected override string CreateFreshDirectory() => xfs.Filesystem.CreateDirectory("backend");

    /// <inheritdoc />
    protected override string ExpectedCopyMethod => "reflink";

    /// <inheritdoc />
    protected override bool ExpectsChangedRanges => true;
}

/// <summary>
/// On XFS made without reflink: the right filesystem type but FICLONE refused, so the driver must fall back to
/// sparse copies and must not offer changed ranges (the open-time probe, not the filesystem type, decides).
/// </summary>
[IntegrationRequirements(needsRoot: true, "mkfs.xfs", "losetup", "mount", "chattr")]
public sealed class DirectoryDriverOnXfsWithoutReflinkTests(XfsWithoutReflinkLoopFixture xfs)
    : DirectoryDriverTests, IClassFixture<XfsWithoutReflinkLoopFixture>
{
    /// <inheritdoc />
    protected override string CreateFreshDirectory() => xfs.Filesystem.CreateDirectory("backend");

    /// <inheritdoc />
    protected override string ExpectedCopyMethod => "sparse-copy";

    /// <inheritdoc />
    protected override bool ExpectsChangedRanges => false;
}

/// <summary>On btrfs on a loop device: reflink snapshots and exact changed ranges.</summary>
[IntegrationRequirements(needsRoot: true, "mkfs.btrfs", "losetup", "mount", "chattr")]
public sealed class DirectoryDriverOnBtrfsTests(BtrfsLoopFixture btrfs) : DirectoryDriverTests, IClassFixture<BtrfsLoopFixture>
{
    /// <inheritdoc />
    protected override string CreateFreshDirectory() => btrfs.Filesystem.CreateDirectory("backend");

    /// <inheritdoc />
    protected override string ExpectedCopyMethod => "reflink";

    /// <inheritdoc />
    protected override bool ExpectsChangedRanges => true;
}
