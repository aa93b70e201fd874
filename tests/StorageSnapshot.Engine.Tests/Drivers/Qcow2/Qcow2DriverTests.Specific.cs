using System.Diagnostics;
using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Drivers.Qcow2;

namespace StorageSnapshot.Engine.Tests.Drivers.Qcow2;

public sealed partial class Qcow2DriverTests
{
    private const int Block = 4096;

    [Fact]
    public async Task SnapshotsAreExternalLayersAndTheVolumeIsTheOverlayOnTheLatest()
    {
        var volume = await CreateVolumeWithAsync("vol1", Pattern(1 << 20, seed: 50));
        var k1 = Key();
        var s1 = await Backend.CreateSnapshotAsync(volume, k1, CancellationToken.None);
        var s2 = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);

        Assert.Equal("images/vol1.qcow2", volume.Reference);
        Assert.Equal(Path.Combine(Images, "vol1.qcow2"), volume.Location);
        Assert.Equal($"images/vol1@{k1}.qcow2", s1.Reference);
        Assert.Equal(new[] { volume.Location, s2.Location, s1.Location }, BackingChain.Of(volume.Location).Files);
        Assert.Null(Qcow2Header.Read(s1.Location).BackingFile);
        Assert.Equal(Path.GetFileName(s1.Location), Qcow2Header.Read(s2.Location).BackingFile); // plain names: the folder can move
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(volume.Location));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(s2.Location));
    }

    [Fact]
    public async Task ChangedRangesAreExactlyTheBlocksWrittenAndHoldAcrossARevert()
    {
        const long size = 16L << 20;
        var content = Pattern(size, seed: 51);
        var volume = await CreateVolumeWithAsync("vol1", content);
        var s1 = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);
        var random = new Random(52);
        var touched = new SortedSet<long>();
        for (var i = 0; i < 30; i++)
        {
            var block = random.NextInt64(size / Block - 1);
            var (offset, length) = (i % 3) switch { 0 => (block * Block, Block), 1 => (block * Block + 17, 1), _ => (block * Block + Block - 5, 10) };
            await ChangeAsync(volume, content, offset, Pattern(length, seed: 200 + i));
            for (var b = offset / Block; b <= (offset + length - 1) / Block; b++) touched.Add(b);
        }
        var s2 = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);

        var ranges = await Backend.GetChangedRangesAsync(s1, s2, CancellationToken.None);
        Assert.Equal(touched.ToArray(), Blocks(ranges));

        // Across a revert the two lines share s1: what each wrote above it counts, nothing else.
        await Backend.RevertVolumeAsync(volume, s1, CancellationToken.None);
        await ChangeAsync(volume, new byte[size], 5L << 20, Pattern(Block, seed: 53));
        var s3 = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);
        var across = await Backend.GetChangedRangesAsync(s2, s3, CancellationToken.None);
        Assert.Equal(touched.Append((5L << 20) / Block).Order().Distinct().ToArray(), Blocks(across));
    }

    [Fact]
    public async Task DeletingSnapshotsMergesTheirLayersAndNothingElseReadsDifferently()
    {
        const long size = 4L << 20;
        var v0 = Pattern(size, seed: 60);
        var volume = await CreateVolumeWithAsync("vol1", v0);
        var s1 = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);
        var v1 = (byte[])v0.Clone();
        await ChangeAsync(volume, v1, 100_000, Pattern(300_000, seed: 61));
        var s2 = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);
        var v2 = (byte[])v1.Clone();
        await ChangeAsync(volume, v2, 200_000, Pattern(300_000, seed: 62));
        await ZeroAsync(volume, v2, 1 << 20, 65536);
        var s3 = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);
        var current = (byte[])v2.Clone();
        await ChangeAsync(volume, current, 3 << 20, Pattern(10_000, seed: 63));
        var clone = await Backend.CloneVolumeAsync(s2, "clone1", CancellationToken.None);
        var cloneBytes = (byte[])v1.Clone();
        await ChangeAsync(clone, cloneBytes, 0, Pattern(5000, seed: 64));

        // s2 has two children (s3 and the clone): each is rebased beside itself onto s1.
        await Backend.DeleteSnapshotAsync(s2, CancellationToken.None);
        Assert.False(File.Exists(s2.Location));
        Assert.Equal(v2, await ReadAllAsync(s3));
        Assert.Equal(cloneBytes, await GuestBytesAsync(clone.Location));
        Assert.Equal(current, await GuestBytesAsync(volume.Location));
        Assert.Equal(Path.GetFileName(s1.Location), Qcow2Header.Read(s3.Location).BackingFile);

        // s1 (the base) now has two children, s3 and the clone: both are rebased onto nothing (made standalone).
        await Backend.DeleteSnapshotAsync(s1, CancellationToken.None);
        Assert.Equal(v2, await ReadAllAsync(s3));
        Assert.Null(Qcow2Header.Read(s3.Location).BackingFile);
        Assert.Null(Qcow2Header.Read(clone.Location).BackingFile);
        Assert.Equal(cloneBytes, await GuestBytesAsync(clone.Location));
        Assert.Equal(current, await GuestBytesAsync(volume.Location));

        // s3's one child is the volume's active layer: it is committed into s3, which then takes the volume's name.
        await Backend.DeleteSnapshotAsync(s3, CancellationToken.None);
        Assert.Equal(current, await GuestBytesAsync(volume.Location));
        Assert.Equal(new[] { "clone1.qcow2", "vol1.qcow2" }, ImageFiles());
        Assert.All(ImageFiles(), f => Assert.False(f.StartsWith('.')));
    }

    [Fact]
    public async Task FullClonesStandAloneAndThinClonesAreOverlays()
    {
        var content = Pattern(2 << 20, seed: 70);
        var volume = await CreateVolumeWithAsync("vol1", content);
        var snapshot = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);
        var thin = await Backend.CloneVolumeAsync(snapshot, "thin1", CancellationToken.None);
        await using var fullBackend = await new Qcow2Driver().OpenBackendAsync("full", Properties(BackendDirectory, cloneMode: "full"), CancellationToken.None);
        var full = await fullBackend.CloneVolumeAsync(snapshot, "full1", CancellationToken.None);

        Assert.Equal("thin", thin.Details["cloneMode"]);
        Assert.Equal("full", full.Details["cloneMode"]);
        Assert.Equal(Path.GetFileName(snapshot.Location), Qcow2Header.Read(thin.Location).BackingFile);
        Assert.Null(Qcow2Header.Read(full.Location).BackingFile);
        Assert.Equal(content, await GuestBytesAsync(thin.Location));
        Assert.Equal(content, await GuestBytesAsync(full.Location));
    }

    [Fact]
    public async Task AnImageHeldByQemuIsRefusedAsVolumeBusyAndLeftAlone()
    {
        var volume = await CreateVolumeWithAsync("vol1", Pattern(1 << 20, seed: 80));
        var snapshot = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);
        var before = await File.ReadAllBytesAsync(volume.Location);

        // A writer holding the image as a VM would: qemu-nbd with the image open read-write.
        var holder = await Nbd_HoldAsync(volume.Location);
        try
        {
            foreach (var (what, call) in new (string, Func<Task>)[]
            {
                ("snapshot", () => Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None)),
                ("revert", () => Backend.RevertVolumeAsync(volume, snapshot, CancellationToken.None)),
                ("delete volume", () => Backend.DeleteVolumeAsync(volume, CancellationToken.None)),
                ("delete snapshot", () => Backend.DeleteSnapshotAsync(snapshot, CancellationToken.None)), // its child, the volume, is held
                ("open writer", () => Backend.OpenVolumeWriterAsync(volume, CancellationToken.None)),
            })
            {
                var error = await Record.ExceptionAsync(call) as ConflictException;
                Assert.True(error is not null, $"{what} was not refused");
                Assert.Equal(ErrorIds.VolumeBusy, error.ErrorId);
                Assert.Contains("in use", error.Message, StringComparison.Ordinal);
                Assert.Contains(Images, error.Message, StringComparison.Ordinal);
            }
        }
        finally
        {
            holder.Kill();
            await holder.WaitForExitAsync();
        }
        Assert.Equal(before, await File.ReadAllBytesAsync(volume.Location));
        Assert.True(File.Exists(snapshot.Location));
    }

    [Fact]
    public async Task ABrokenBackingChainIsAnErrorNamingTheMissingLayer()
    {
        var volume = await CreateVolumeWithAsync("vol1", Pattern(1 << 20, seed: 90));
        var s1 = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);
        var s2 = await Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None);
        File.Delete(s1.Location);

        foreach (var call in new Func<Task>[]
        {
            () => Backend.OpenSnapshotReaderAsync(s2, CancellationToken.None),
            () => Backend.CreateSnapshotAsync(volume, Key(), CancellationToken.None),
            () => Backend.CloneVolumeAsync(s2, "clone1", CancellationToken.None),
        })
        {
            var error = await Assert.ThrowsAsync<FileNotFoundException>(call);
            Assert.Contains("broken", error.Message, StringComparison.Ordinal);
            Assert.Contains(s1.Location, error.Message, StringComparison.Ordinal);
        }
        var gone = await Assert.ThrowsAsync<FileNotFoundException>(() => Backend.OpenSnapshotReaderAsync(s1, CancellationToken.None));
        Assert.Contains(s1.Location, gone.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASizeThatIsNotWholeSectorsIsRefusedBeforeAnythingIsMade()
    {
        var check = await Backend.CheckNewVolumeAsync(OddSize + 1, CancellationToken.None);
        Assert.Contains("512-byte sectors", Assert.Single(check.Problems), StringComparison.Ordinal);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Backend.CreateVolumeAsync("odd", OddSize + 1, CancellationToken.None));
        Assert.Contains("512-byte sectors", error.Message, StringComparison.Ordinal);
        Assert.Empty(await Backend.ListVolumesAsync(CancellationToken.None));
        Assert.Empty((await Backend.CheckNewVolumeAsync(OddSize, CancellationToken.None)).Problems);
    }

    [Fact]
    public async Task AHalfMadeSnapshotIsNotFoundAndGoesWithTheNextChange()
    {
        var volume = await CreateVolumeWithAsync("vol1", Pattern(1 << 20, seed: 95));
        var key = Key();
        // A crash between the link and the rename of a snapshot: its name is a second link to the active layer.
        Assert.Equal(0, Platform.Linux.LibC.Link(volume.Location, Path.Combine(Images, $"vol1@{key}.qcow2")));
        await File.WriteAllBytesAsync(Path.Combine(Images, Qcow2Layout.TemporaryFor("vol1.qcow2")), new byte[512]);

        Assert.Null(await Backend.FindSnapshotAsync(volume, key, CancellationToken.None));
        var made = await Backend.CreateSnapshotAsync(volume, key, CancellationToken.None); // the replay completes it

        Assert.NotEqual(Platform.Linux.FileIdentity.Of(made.Location), Platform.Linux.FileIdentity.Of(volume.Location));
        Assert.Equal(new[] { "vol1.qcow2", $"vol1@{key}.qcow2" }, ImageFiles().Where(f => !f.StartsWith('.')).ToArray());
        Assert.DoesNotContain(ImageFiles(), f => f.EndsWith(".tmp", StringComparison.Ordinal));
    }

    private string[] ImageFiles() =>
        System.IO.Directory.EnumerateFiles(Images).Select(f => Path.GetFileName(f)!).Where(f => f != ".chain.lock").Order(StringComparer.Ordinal).ToArray();

    private static long[] Blocks(IReadOnlyList<ByteRange> ranges)
    {
        Assert.All(ranges, r => Assert.True(r.Offset % Block == 0 && r.Length % Block == 0, $"{r} is not block-aligned"));
        return ranges.SelectMany(r => Enumerable.Range(0, (int)(r.Length / Block)).Select(i => r.Offset / Block + i)).ToArray();
    }

    /// <summary>Starts qemu-nbd holding <paramref name="image"/> open read-write (qemu's image locks taken), as a running VM would.</summary>
    private static async Task<Process> Nbd_HoldAsync(string image)
    {
        var socket = Path.Combine(Path.GetDirectoryName(image)!, "..", "hold.sock");
        var start = new ProcessStartInfo("qemu-nbd") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "--socket=" + socket, "--format=qcow2", "--persistent", image }) start.ArgumentList.Add(argument);
        var process = Process.Start(start)!;
        for (var i = 0; i < 500 && !Platform.Linux.FileLocks.IsAnyHeld(image, 100, 200); i++) await Task.Delay(10);
        Assert.True(Platform.Linux.FileLocks.IsAnyHeld(image, 100, 200), "qemu-nbd did not lock the image");
        return process;
    }
}
