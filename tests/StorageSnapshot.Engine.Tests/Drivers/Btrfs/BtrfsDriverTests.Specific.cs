using System.Diagnostics;
using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Drivers.Btrfs;
using StorageSnapshot.Engine.Platform.Linux;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Drivers.Btrfs;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class BtrfsDriverTests
{
    private const int Block = 4096;

    [ContractFact]
    public async Task VolumesAndSnapshotsAreSubvolumesWithTheirImageAsLocation()
    {
        var volume = await CreateVolumeWithAsync("vol1", Pattern(1 << 20, seed: 30));
        var key = Key();
        var snapshot = await Backend.CreateSnapshotAsync(volume, key, CancellationToken.None);
        var clone = await Backend.CloneVolumeAsync(snapshot, "clone1", CancellationToken.None);

        Assert.Equal("volumes/vol1", volume.Reference);
        Assert.Equal(Path.Combine(BackendDirectory, "volumes", "vol1", "disk.img"), volume.Location);
        Assert.Equal($"snapshots/vol1/{key}", snapshot.Reference);
        Assert.Equal(Path.Combine(BackendDirectory, "snapshots", "vol1", key, "disk.img"), snapshot.Location);
        Assert.Equal(Path.Combine(BackendDirectory, "volumes", "clone1", "disk.img"), clone.Location);
        foreach (var subvolume in new[] { volume, snapshot, clone }.Select(o => Path.GetDirectoryName(o.Location)!))
            Assert.Equal(FileIdentity.BtrfsSubvolumeRootInode, FileIdentity.Of(subvolume)!.Value.Inode);
        Assert.True(BtrfsIoctls.IsReadOnly(Path.GetDirectoryName(snapshot.Location)!));
        Assert.False(BtrfsIoctls.IsReadOnly(Path.GetDirectoryName(clone.Location)!));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(clone.Location));
    }

    [ContractFact]
    public async Task ChangedRangesAreExactlyTheBlocksWritten()
    {
        const long size = 16L << 20;
        var content = Pattern(size, seed: 31);
        var volume = await CreateVolumeWithAsync("vol1", content);
        var s1 = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);
        var random = new Random(32);
        var touched = new SortedSet<long>();
        for (var i = 0; i < 40; i++)
        {
            var block = random.NextInt64(size / Block);
            // Whole blocks, single bytes and a write across a block boundary: each dirties the blocks it touches.
            var (offset, length) = (i % 3) switch { 0 => (block * Block, Block), 1 => (block * Block + 17, 1), _ => (block * Block + Block - 5, 10) };
            if (offset + length > size) continue;
            await ChangeAsync(volume, content, offset, Pattern(length, seed: 100 + i));
            for (var b = offset / Block; b <= (offset + length - 1) / Block; b++) touched.Add(b);
        }
        var s2 = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);

        var ranges = await Backend.GetChangedRangesAsync(s1, s2, CancellationToken.None);

        var reported = ranges.SelectMany(r => Enumerable.Range(0, (int)(r.Length / Block)).Select(i => r.Offset / Block + i)).ToHashSet();
        Assert.All(ranges, r => Assert.True(r.Offset % Block == 0 && r.Length % Block == 0, $"{r} is not block-aligned"));
        Assert.Equal(touched.ToArray(), reported.Order().ToArray());
    }

    [ContractFact]
    public async Task ChangedRangesHoldAcrossARevert()
    {
        const long size = 8L << 20;
        var content = Pattern(size, seed: 33);
        var volume = await CreateVolumeWithAsync("vol1", content);
        var s1 = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);
        await ChangeAsync(volume, content, 1 << 20, Pattern(Block, seed: 34));
        var s2 = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);
        await Backend.RevertVolumeAsync(volume, s1, CancellationToken.None);
        await ChangeAsync(volume, new byte[size], 3 << 20, Pattern(Block, seed: 35));
        var s3 = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);

        var ranges = await Backend.GetChangedRangesAsync(s2, s3, CancellationToken.None);

        // s3 differs from s2 where the revert undid s2's write and where s3 has its own. The two lines split the
        // image's first extent at different places, and btrfs send reports an extent item whole when any part of it
        // differs from the other side: more than those two blocks may come back, never less (docs/concepts/drivers.md).
        Assert.Contains(ranges, r => r.Offset <= 1 << 20 && r.End >= (1 << 20) + Block);
        Assert.Contains(ranges, r => r.Offset <= 3 << 20 && r.End >= (3 << 20) + Block);
        Assert.True(ranges.Sum(r => r.Length) <= (3 << 20) + Block, $"{ranges.Sum(r => r.Length)} bytes reported");
    }

    [ContractFact]
    public async Task TheSendStreamOfTheBtrfsCommandGivesTheSameRanges()
    {
        const long size = 8L << 20;
        var content = Pattern(size, seed: 36);
        var volume = await CreateVolumeWithAsync("vol1", content);
        var s1 = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);
        for (var i = 0; i < 10; i++) await ChangeAsync(volume, content, i * 777_777L, Pattern(5000, seed: 37 + i));
        await ZeroAsync(volume, content, 5L << 20, 1 << 20);
        var s2 = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);

        var fromIoctl = await Backend.GetChangedRangesAsync(s1, s2, CancellationToken.None);

        var changes = new ImageChanges(BtrfsLayout.ImageName, size, size);
        var send = new ProcessStartInfo("btrfs") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "send", "-q", "--no-data", "-p", Path.GetDirectoryName(s1.Location)!, Path.GetDirectoryName(s2.Location)! })
            send.ArgumentList.Add(argument);
        using (var process = Process.Start(send)!)
        {
            await SendStreamReader.ReadAsync(process.StandardOutput.BaseStream, changes.Add, CancellationToken.None);
            await process.WaitForExitAsync();
            Assert.Equal(0, process.ExitCode);
        }
        Assert.Equal(changes.Ranges(), fromIoctl);
        Assert.Contains(fromIoctl, r => r.Offset <= 5L << 20 && r.End >= (5L << 20) + (1 << 20));
    }

    [ContractFact]
    public async Task RevertSwapsSubvolumesKeepsTheVolumesPermissionsAndLeavesNoWork()
    {
        var original = Pattern(1 << 20, seed: 40);
        var volume = await CreateVolumeWithAsync("vol1", original);
        var snapshot = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);
        await ChangeAsync(volume, (byte[])original.Clone(), 0, Pattern(4096, seed: 41));
        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
        File.SetUnixFileMode(volume.Location, mode);
        var before = FileIdentity.Of(Path.GetDirectoryName(volume.Location)!);

        await Backend.RevertVolumeAsync(volume, snapshot, CancellationToken.None);

        Assert.Equal(original, await File.ReadAllBytesAsync(volume.Location));
        Assert.Equal(mode, File.GetUnixFileMode(volume.Location));
        Assert.NotEqual(before, FileIdentity.Of(Path.GetDirectoryName(volume.Location)!)); // a new subvolume, not rewritten bytes
        Assert.Equal(new[] { "vol1" }, System.IO.Directory.EnumerateFileSystemEntries(Path.Combine(BackendDirectory, "volumes")).Select(Path.GetFileName));
    }

    [ContractFact]
    public async Task LeftoversOfInterruptedWorkGoWithTheNextOperationOnTheirVolume()
    {
        var volume = await CreateVolumeWithAsync("vol1", Pattern(1 << 20, seed: 42));
        var snapshot = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);
        await LeaveInterruptedWorkBehindAsync(volume);
        var volumes = Path.Combine(BackendDirectory, "volumes");
        var otherVolumesWork = System.IO.Directory.EnumerateDirectories(volumes, ".vol3.*").Single();

        await Backend.RevertVolumeAsync(volume, snapshot, CancellationToken.None);

        var left = System.IO.Directory.EnumerateFileSystemEntries(volumes).Select(Path.GetFileName).Order().ToArray();
        // vol1's subvolume leftovers are gone; the plain file that only looks like one is not ours to delete; vol3's wait for vol3.
        Assert.DoesNotContain(left, name => name!.StartsWith(".vol1.revert-", StringComparison.Ordinal));
        Assert.Contains(Path.GetFileName(otherVolumesWork), left);
    }

    [ContractFact]
    public async Task AVolumeRemovedBehindTheDriversBackIsAClearError()
    {
        var volume = await CreateVolumeWithAsync("vol1", Pattern(1 << 20, seed: 43));
        BtrfsIoctls.DeleteSubvolume(Path.Combine(BackendDirectory, "volumes"), "vol1");

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None));

        Assert.Contains("'vol1'", error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(BackendDirectory, "volumes", "vol1"), error.Message, StringComparison.Ordinal);
        var snapshots = Path.Combine(BackendDirectory, "snapshots", "vol1");
        Assert.True(!System.IO.Directory.Exists(snapshots) || !System.IO.Directory.EnumerateFileSystemEntries(snapshots).Any());
    }

    [ContractFact]
    public async Task ValidationRefusesADirectoryOffBtrfsNamingItsFilesystem()
    {
        var elsewhere = System.IO.Directory.CreateTempSubdirectory("storagesnapshot-notbtrfs-").FullName;
        try
        {
            var problems = await new BtrfsDriver().ValidateBackendAsync(Properties(elsewhere), CancellationToken.None);
            if (FilesystemType.Of(elsewhere) == FilesystemType.Btrfs) return; // a machine whose /tmp is btrfs: nothing to refuse
            var problem = Assert.Single(problems);
            Assert.Contains("not btrfs", problem, StringComparison.Ordinal);
            Assert.Contains(new DriveInfo(elsewhere).DriveFormat, problem, StringComparison.Ordinal);
            Assert.Contains(elsewhere, problem, StringComparison.Ordinal);
            Assert.Single(await new BtrfsDriver().ValidateBackendAsync(Properties(Path.Combine(elsewhere, "missing")), CancellationToken.None));
        }
        finally
        {
            System.IO.Directory.Delete(elsewhere, recursive: true);
        }
    }

    [ContractFact]
    public async Task AFullFilesystemIsAClearErrorNamingTheImage()
    {
        using var small = LoopFilesystem.CreateBtrfs(sizeBytes: 256L << 20);
        var driver = new BtrfsDriver();
        await using var backend = await driver.OpenBackendAsync("small", Properties(small.CreateDirectory("backend")), CancellationToken.None);
        var volume = await backend.CreateVolumeAsync("big", 1L << 30, CancellationToken.None);

        var error = await Assert.ThrowsAnyAsync<IOException>(async () =>
        {
            await using var writer = await backend.OpenVolumeWriterAsync(volume, CancellationToken.None);
            var data = Pattern(4 << 20, seed: 44);
            for (long offset = 0; offset < volume.SizeBytes; offset += data.Length) await writer.WriteAsync(offset, data, CancellationToken.None);
            await writer.FlushAsync(CancellationToken.None);
        });

        Assert.Contains("space", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(volume.Location, error.Message, StringComparison.Ordinal);
    }
}
