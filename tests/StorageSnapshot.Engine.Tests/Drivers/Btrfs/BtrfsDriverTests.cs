using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Drivers.Btrfs;
using StorageSnapshot.Engine.Platform.Linux;
using StorageSnapshot.Drivers.Testing;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Drivers.Btrfs;

/// <summary>
/// The btrfs driver on a real btrfs filesystem on a loop device: the whole contract suite, plus what is its own
/// (layout, exact changed ranges from the send stream, the revert's swap, leftovers of interrupted work, errors
/// for objects removed behind its back).
/// </summary>
[IntegrationRequirements(needsRoot: true, "mkfs.btrfs", "losetup", "mount")]
public sealed partial class BtrfsDriverTests(BtrfsLoopFixture btrfs) : DriverContractTests, IClassFixture<BtrfsLoopFixture>
{
    private string? directory;

    /// <summary>The backend directory of the current test.</summary>
    private string BackendDirectory => directory ?? throw new InvalidOperationException("No backend yet.");

    /// <inheritdoc />
    protected override async Task<IDriverBackend> CreateBackendAsync()
    {
        directory = btrfs.Filesystem.CreateDirectory("backend");
        var driver = new BtrfsDriver();
        Assert.Empty(await driver.ValidateBackendAsync(Properties(directory), CancellationToken.None));
        return await driver.OpenBackendAsync("test", Properties(directory), CancellationToken.None);
    }

    /// <inheritdoc />
    protected override Task DestroyBackendStorageAsync()
    {
        if (directory is not null) BtrfsTestStorage.DeleteTree(directory);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    protected override Task LeaveInterruptedWorkBehindAsync(DriverObject volume)
    {
        // What a crash leaves: a subvolume being made, one swapped out by a revert, one being cloned.
        var volumes = Path.Combine(BackendDirectory, "volumes");
        BtrfsIoctls.CreateSubvolume(volumes, BtrfsLayout.WorkName("vol3", "create"));
        BtrfsIoctls.CreateSubvolume(volumes, BtrfsLayout.WorkName("vol1", "revert"));
        File.WriteAllBytes(Path.Combine(volumes, BtrfsLayout.WorkName("vol1", "clone")), new byte[4096]);
        return Task.CompletedTask;
    }

    internal static Dictionary<string, string> Properties(string path) => new() { [BtrfsDriver.PathProperty] = path };
}
