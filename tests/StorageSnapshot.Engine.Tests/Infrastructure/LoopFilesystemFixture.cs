namespace StorageSnapshot.Engine.Tests.Infrastructure;

/// <summary>
/// A class fixture owning one <see cref="LoopFilesystem"/> for all the tests of a class (mkfs and mount once,
/// a fresh directory per test). Made lazily by the first test that asks, after checking the prerequisites:
/// xunit builds class fixtures even when every test of the class is skipped, and a skipped test must not need
/// root.
/// </summary>
public abstract class LoopFilesystemFixture : IDisposable
{
    private readonly Lazy<LoopFilesystem> filesystem;

    /// <summary>Creates the fixture; nothing is mounted until <see cref="Filesystem"/> is first read.</summary>
    protected LoopFilesystemFixture(string tool, Func<LoopFilesystem> create)
    {
        filesystem = new Lazy<LoopFilesystem>(() =>
        {
            Integration.Require(Integration.IsRoot, "a loop-device filesystem needs root");
            Integration.Require(Integration.HasTool("losetup") && Integration.HasTool(tool), $"losetup and {tool} must be installed");
            return create();
        });
    }

    /// <summary>The mounted filesystem.</summary>
    public LoopFilesystem Filesystem => filesystem.Value;

    /// <inheritdoc />
    public void Dispose()
    {
        if (filesystem.IsValueCreated) filesystem.Value.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>XFS with reflink=1 on a loop device.</summary>
public sealed class XfsLoopFixture() : LoopFilesystemFixture("mkfs.xfs", () => LoopFilesystem.CreateXfs());

/// <summary>XFS made with reflink=0 on a loop device: FICLONE fails there with EOPNOTSUPP.</summary>
public sealed class XfsWithoutReflinkLoopFixture() : LoopFilesystemFixture("mkfs.xfs", () => LoopFilesystem.CreateXfs(reflink: false));

/// <summary>btrfs on a loop device.</summary>
public sealed class BtrfsLoopFixture() : LoopFilesystemFixture("mkfs.btrfs", () => LoopFilesystem.CreateBtrfs());
