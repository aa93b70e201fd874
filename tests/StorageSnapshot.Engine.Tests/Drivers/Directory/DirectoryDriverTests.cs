using System.Globalization;
using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Drivers.Directory;
using StorageSnapshot.Drivers.Testing;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Drivers.Directory;

/// <summary>
/// The directory driver: the whole contract suite plus what is specific to it (copy method, sparseness,
/// atomic revert under injected faults, path containment), run once per filesystem by the derived classes.
/// </summary>
public abstract class DirectoryDriverTests : DriverContractTests
{
    private string? directory;

    /// <summary>The backend directory of the current test.</summary>
    protected string BackendDirectory => directory ?? throw new InvalidOperationException("No backend yet.");

    /// <summary>A new empty directory on the filesystem under test.</summary>
    protected abstract string CreateFreshDirectory();

    /// <summary>What copyMethod snapshots record on this filesystem.</summary>
    protected abstract string ExpectedCopyMethod { get; }

    /// <summary>Whether this filesystem gives exact changed ranges.</summary>
    protected abstract bool ExpectsChangedRanges { get; }

    /// <inheritdoc />
    protected override async Task<IDriverBackend> CreateBackendAsync()
    {
        directory = CreateFreshDirectory();
        var driver = new DirectoryDriver();
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
        // What a crash between create and rename leaves: dot-files beside volumes and snapshots.
        await File.WriteAllBytesAsync(Path.Combine(BackendDirectory, "volumes", $".vol3.img.{Guid.NewGuid():N}.tmp"), new byte[4096]);
        await File.WriteAllBytesAsync(Path.Combine(BackendDirectory, "volumes", ".vol4.img"), new byte[4096]);
        await File.WriteAllBytesAsync(Path.Combine(BackendDirectory, "snapshots", Path.GetFileNameWithoutExtension(volume.Location), $".{Key()}.img.{Guid.NewGuid():N}.tmp"), new byte[4096]);
    }

    [ContractFact]
    public async Task SnapshotsAndClonesRecordTheCopyMethodAndTheirPaths()
    {
        var volume = await CreateVolumeWithAsync("vol1", Pattern(1 << 20, seed: 20));
        var key = Key();

        var snapshot = await Backend.CreateSnapshotAsync(volume, key, CancellationToken.None);
        var clone = await Backend.CloneVolumeAsync(snapshot, "clone1", CancellationToken.None);

        Assert.Equal(ExpectedCopyMethod, snapshot.Details["copyMethod"]);
        Assert.Equal(ExpectedCopyMethod, clone.Details["copyMethod"]);
        Assert.Equal("volumes/vol1.img", volume.Reference);
        Assert.Equal($"snapshots/vol1/{key}.img", snapshot.Reference);
        Assert.Equal(Path.Combine(BackendDirectory, "snapshots", "vol1", key + ".img"), snapshot.Location);
        Assert.Equal(Path.Combine(BackendDirectory, "volumes", "clone1.img"), clone.Location);
    }

    /// <summary>
    /// The contract lets a device answer "unknown" (null) for allocated ranges, and the contract test then has
    /// nothing to check; on Linux this driver always knows them (SEEK_DATA/SEEK_HOLE), so null here is a bug.
    /// </summary>
    [ContractFact]
    public async Task AllocatedRangesAreKnownOnLinux()
    {
        var volume = await Backend.CreateVolumeAsync("vol1", 4L << 20, CancellationToken.None);
        await using (var writer = await Backend.OpenVolumeWriterAsync(volume, CancellationToken.None))
        {
            await writer.WriteAsync(1L << 20, Pattern(4096, seed: 27), CancellationToken.None);
            await writer.FlushAsync(CancellationToken.None);
        }
        var snapshot = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);

        using var reader = await Backend.OpenSnapshotReaderAsync(snapshot, CancellationToken.None);
        var ranges = await reader.GetAllocatedRangesAsync(CancellationToken.None);

        Assert.NotNull(ranges);
        Assert.Contains(ranges, r => r.Offset <= 1L << 20 && r.End >= (1L << 20) + 4096);
    }

    [ContractFact]
    public void ChangedRangesAreOfferedExactlyOnReflinkFilesystems() =>
        Assert.Equal(ExpectsChangedRanges, Backend.Capabilities.HasFlag(DriverCapabilities.ChangedRanges));

    [ContractFact]
    public async Task SnapshotsAndClonesOfASparseVolumeStaySparse()
    {
        const long size = 1L << 30;
        var data = Pattern(1 << 20, seed: 21);
        var volume = await Backend.CreateVolumeAsync("big", size, CancellationToken.None);
        await using (var writer = await Backend.OpenVolumeWriterAsync(volume, CancellationToken.None))
        {
            await writer.WriteAsync(512L << 20, data, CancellationToken.None);
            await writer.FlushAsync(CancellationToken.None);
        }

        var snapshot = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);
        var clone = await Backend.CloneVolumeAsync(snapshot, "big-clone", CancellationToken.None);
        var copied = await new DirectoryDriver(useReflink: false, onBytesCopied: null)
            .OpenBackendAsync("copying", Properties(BackendDirectory), CancellationToken.None);
        var copiedSnapshot = await copied.CreateSnapshotAsync(volume, Key(), CancellationToken.None);

        Assert.Equal("sparse-copy", copiedSnapshot.Details["copyMethod"]);
        foreach (var image in new[] { snapshot, clone, copiedSnapshot })
        {
            Assert.Equal(size, new FileInfo(image.Location).Length);
            var allocated = AllocatedBytes(image.Location);
            Assert.True(allocated <= 8 << 20, $"'{image.Location}' ({image.Details["copyMethod"]}) has {allocated} bytes allocated for 1 MiB of data.");
        }
        using var reader = await Backend.OpenSnapshotReaderAsync(copiedSnapshot, CancellationToken.None);
        var back = new byte[data.Length];
        Assert.Equal(data.Length, await reader.ReadAsync(512L << 20, back, CancellationToken.None));
        Assert.Equal(data, back);

        // Zeroing through the writer gives the space back (a punched hole, not written zeros).
        await using (var writer = await Backend.OpenVolumeWriterAsync(clone, CancellationToken.None))
        {
            await writer.ZeroAsync(512L << 20, data.Length, CancellationToken.None);
            await writer.FlushAsync(CancellationToken.None);
        }
        Assert.True(AllocatedBytes(clone.Location) < 512 << 10, "Zeroing did not punch a hole.");
    }

    [ContractFact]
    public async Task RevertCancelledInTheMiddleOfTheCopyLeavesTheVolumeUnchanged()
    {
        var original = Pattern(4 << 20, seed: 22);
        var volume = await CreateVolumeWithAsync("vol1", original);
        var snapshot = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);
        var current = (byte[])original.Clone();
        await ChangeAsync(volume, current, 0, Pattern(4 << 20, seed: 23));

        using var cancellation = new CancellationTokenSource();
        long copied = 0;
        var faulty = await new DirectoryDriver(useReflink: false, onBytesCopied: bytes =>
            {
                copied += bytes;
                cancellation.Cancel(); // after the first block: the temp file exists and is partly written
            })
            .OpenBackendAsync("faulty", Properties(BackendDirectory), CancellationToken.None);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => faulty.RevertVolumeAsync(volume, snapshot, cancellation.Token));

        Assert.InRange(copied, 1, original.Length - 1);
        Assert.Equal(current, await File.ReadAllBytesAsync(volume.Location));
        Assert.Empty(TemporaryFiles());
    }

    [ContractFact]
    public async Task RevertToASnapshotThatCannotBeReadLeavesTheVolumeUnchanged()
    {
        var content = Pattern(2 << 20, seed: 24);
        var volume = await CreateVolumeWithAsync("vol1", content);
        var snapshot = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);
        File.Delete(snapshot.Location);

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => Backend.RevertVolumeAsync(volume, snapshot, CancellationToken.None));

        Assert.Contains(snapshot.Location, error.Message);
        Assert.Equal(content, await File.ReadAllBytesAsync(volume.Location));
        Assert.Empty(TemporaryFiles());
    }

    [ContractFact(needsRoot: true, "chattr")]
    public async Task RevertThatCannotReplaceTheVolumeLeavesItUnchanged()
    {
        var content = Pattern(2 << 20, seed: 25);
        var volume = await CreateVolumeWithAsync("vol1", content);
        var snapshot = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);
        await ChangeAsync(volume, content, 0, Pattern(1 << 20, seed: 26));

        // An immutable volume file: the final rename over it fails even for root (EPERM), after the copy is made.
        LoopFilesystem.Run("chattr", "+i", volume.Location);
        try
        {
            var error = await Record.ExceptionAsync(() => Backend.RevertVolumeAsync(volume, snapshot, CancellationToken.None));
            Assert.True(error is IOException or UnauthorizedAccessException, $"Unexpected error: {error}");
        }
        finally
        {
            LoopFilesystem.Run("chattr", "-i", volume.Location);
        }

        Assert.Equal(content, await File.ReadAllBytesAsync(volume.Location));
        Assert.Empty(TemporaryFiles());
    }

    [ContractFact]
    public async Task NamesAndReferencesCannotEscapeTheBackendDirectory()
    {
        var outside = Path.Combine(Path.GetDirectoryName(BackendDirectory)!, $"outside-{Guid.NewGuid():N}.img");
        await File.WriteAllBytesAsync(outside, new byte[] { 1 });
        try
        {
            var volume = await Backend.CreateVolumeAsync("vol1", 4096, CancellationToken.None);
            var invalid = await Assert.ThrowsAsync<ValidationException>(() => Backend.CreateVolumeAsync("../escape", 4096, CancellationToken.None));
            Assert.Equal(ErrorIds.InvalidName, invalid.ErrorId);
            await Assert.ThrowsAsync<ValidationException>(() => Backend.CreateSnapshotAsync(volume, "../../x", CancellationToken.None));

            foreach (var reference in new[] { "../" + Path.GetFileName(outside), "volumes/../../" + Path.GetFileName(outside), outside, "volumes/.hidden.img" })
            {
                var escaping = new DriverObject { Reference = reference, Location = outside };
                await Assert.ThrowsAsync<ArgumentException>(() => Backend.DeleteVolumeAsync(escaping, CancellationToken.None));
                await Assert.ThrowsAsync<ArgumentException>(() => Backend.DeleteSnapshotAsync(escaping, CancellationToken.None));
            }
            Assert.True(File.Exists(outside));
        }
        finally
        {
            File.Delete(outside);
        }
    }

    /// <summary>The backend properties for <paramref name="path"/>.</summary>
    protected static IReadOnlyDictionary<string, string> Properties(string path) =>
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { [DirectoryDriver.PathProperty] = path };

    /// <summary>Leftover work files anywhere in the backend (probes included).</summary>
    protected string[] TemporaryFiles() =>
        System.IO.Directory.EnumerateFiles(BackendDirectory, ".*", SearchOption.AllDirectories).ToArray();

    /// <summary>Bytes the filesystem really allocated to a file (st_blocks × 512).</summary>
    protected static long AllocatedBytes(string path) =>
        long.Parse(LoopFilesystem.Run("stat", "--format=%b", path).Trim(), CultureInfo.InvariantCulture) * 512;
}
