using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Drivers.Qcow2;
using StorageSnapshot.Drivers.Testing;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Drivers.Qcow2;

/// <summary>
/// The qcow2 driver on real qemu-img images in a temporary directory: the whole contract suite, plus what is its
/// own (external chains, exact changed ranges, merges on delete, thin and full clones, image locks, broken chains).
/// </summary>
[IntegrationRequirements(needsRoot: false, "qemu-img", "qemu-nbd")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class Qcow2DriverTests : DriverContractTests
{
    private string? directory;

    /// <summary>The backend directory of the current test.</summary>
    private string BackendDirectory => directory ?? throw new InvalidOperationException("No backend yet.");

    private string Images => Path.Combine(BackendDirectory, "images");

    /// <inheritdoc />
    protected override long SizeGranularity => 512;

    /// <inheritdoc />
    protected override async Task<IDriverBackend> CreateBackendAsync()
    {
        directory = System.IO.Directory.CreateTempSubdirectory("storagesnapshot-qcow2-").FullName;
        var driver = new Qcow2Driver();
        Assert.Empty(await driver.ValidateBackendAsync(Properties(directory), CancellationToken.None));
        return await driver.OpenBackendAsync("test", Properties(directory), CancellationToken.None);
    }

    /// <inheritdoc />
    protected override Task DestroyBackendStorageAsync()
    {
        if (directory is not null && System.IO.Directory.Exists(directory)) System.IO.Directory.Delete(directory, recursive: true);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    protected override async Task LeaveInterruptedWorkBehindAsync(DriverObject volume)
    {
        // What a crash leaves: an overlay before its rename, and a snapshot's name linked to the volume before the rename that completes it.
        await File.WriteAllBytesAsync(Path.Combine(Images, Qcow2Layout.TemporaryFor("vol3.qcow2")), new byte[4096]);
        File.CreateSymbolicLink(Path.Combine(Images, ".vol4.qcow2"), volume.Location);
        Assert.Equal(0, Platform.Linux.LibC.Link(volume.Location, Path.Combine(Images, $"vol1@{Key()}.qcow2")));
    }

    /// <inheritdoc />
    /// <remarks>A qcow2 volume's Location is the image; its guest bytes are read through a map of its chain.</remarks>
    protected override async Task AssertLocationHoldsAsync(DriverObject image, byte[] expected)
    {
        Assert.True(File.Exists(image.Location), $"Location '{image.Location}' is not a file.");
        Assert.Equal(expected, await GuestBytesAsync(image.Location));
    }

    /// <summary>Every guest byte of an image (a volume's active layer or a snapshot).</summary>
    internal static async Task<byte[]> GuestBytesAsync(string image)
    {
        var chain = BackingChain.Of(image);
        using var reader = ChainBlockReader.Open(chain, await ImageMap.ReadAsync(image, CancellationToken.None));
        var bytes = new byte[reader.Length];
        for (var offset = 0; offset < bytes.Length;)
            offset += await reader.ReadAsync(offset, bytes.AsMemory(offset, Math.Min(1 << 20, bytes.Length - offset)), CancellationToken.None);
        return bytes;
    }

    internal static Dictionary<string, string> Properties(string path, string? cloneMode = null)
    {
        var properties = new Dictionary<string, string> { [Qcow2Driver.PathProperty] = path };
        if (cloneMode is not null) properties[Qcow2Driver.CloneModeProperty] = cloneMode;
        return properties;
    }
}
