using System.Diagnostics;
using System.Globalization;
using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Drivers.Btrfs;
using StorageSnapshot.Engine.Drivers.Qcow2;
using StorageSnapshot.Engine.Drivers.Qcow2.Nbd;
using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Secondary;
using StorageSnapshot.Engine.Secondary.Copy;
using StorageSnapshot.Engine.Secondary.Repository;
using static StorageSnapshot.Benchmarks.Support.BenchmarkArguments;
using static StorageSnapshot.Benchmarks.Support.Figures;
using static StorageSnapshot.Benchmarks.Support.Sampling;

namespace StorageSnapshot.Benchmarks;

/// <summary>
/// The btrfs and qcow2 drivers (issue 14), every figure against a baseline measured in the same run:
/// snapshot, revert and clone through the engine (and through the driver alone) against the raw operation
/// (`btrfs subvolume snapshot`, `qemu-img create -b`); changed ranges after 1 % changed in scattered 4 KiB blocks,
/// timed and compared with a byte diff of the two snapshots; a full copy to secondary storage against `cp` + `sync`
/// (btrfs) or `qemu-img convert -O raw` (qcow2) of the snapshot; an incremental copy after 1 % changed in 256 KiB
/// blocks (bytes read against the changed chunks); for btrfs the send stream from the ioctl against `btrfs send
/// --no-data`, for qcow2 reads through the layer files against reads through qemu-nbd.
/// btrfs runs on a loop filesystem (root; <see cref="PerfLoopFilesystem"/>, a direct-I/O loop device, so that the
/// baseline's `sync` means on the disk); qcow2 in --path (default: the temp folder). Page caches are dropped
/// before cold steps when root.
/// Usage: local-drivers [--size-mib N] [--repeat N] [--driver btrfs|qcow2|both] [--path DIR]
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class LocalDriversBenchmark
{
    private const int Block = 4096;

    public static async Task<int> RunAsync(string[] args)
    {
        var size = long.Parse(Option(args, "--size-mib") ?? "2048", CultureInfo.InvariantCulture) << 20;
        var repeat = int.Parse(Option(args, "--repeat") ?? "9", CultureInfo.InvariantCulture);
        var which = Option(args, "--driver") ?? "both";
        var isRoot = Environment.UserName == "root";
        if (which is "btrfs" or "both")
        {
            if (!isRoot) Console.WriteLine("btrfs: skipped (a btrfs loop filesystem needs root)");
            else await BtrfsAsync(size, repeat);
        }
        if (which is "qcow2" or "both") await Qcow2Async(size, repeat, Option(args, "--path") ?? Path.GetTempPath(), isRoot);
        return 0;
    }

    private static async Task BtrfsAsync(long size, int repeat)
    {
        var rows = new List<(string, string, string)>();
        using (var filesystem = PerfLoopFilesystem.Create(4 * size + (2L << 30), LoopFilesystemKind.Btrfs))
        {
            var mount = filesystem.MountPoint;
            var backendPath = Directory.CreateDirectory(Path.Combine(mount, "backend")).FullName;
            var properties = new Dictionary<string, string> { [BtrfsDriver.PathProperty] = backendPath };
            await using var backend = await new BtrfsDriver().OpenBackendAsync("bench", properties, CancellationToken.None);
            var volume = await backend.CreateVolumeAsync("bench", size, CancellationToken.None);
            rows.Add(("fill the volume with random data", await FillAsync(backend, volume, size), ""));
            var subvolume = Path.GetDirectoryName(volume.Location)!;
            var scratch = Directory.CreateDirectory(Path.Combine(mount, "raw")).FullName;

            // The raw operation: what an admin would type.
            var rawNames = new List<string>();
            var raw = await MedianAsync(repeat, () =>
            {
                var name = $"s{rawNames.Count}";
                rawNames.Add(name);
                Tool.Run("btrfs", "subvolume", "snapshot", "-r", subvolume, Path.Combine(scratch, name));
                return Task.CompletedTask;
            });
            foreach (var name in rawNames) Engine.Platform.Linux.BtrfsIoctls.DeleteSubvolume(scratch, name);
            rows.Add(("raw: btrfs subvolume snapshot -r (baseline)", Ms(raw), ""));
            await DriverAndEngineOpsAsync(rows, backend, volume, BtrfsDriver.DriverName, Path.Combine(mount, "engine"), raw, repeat);

            var store = await FileSystemChunkStore.OpenOrCreateAsync(Path.Combine(mount, "repository"), new RepositoryFormat(), CancellationToken.None);
            var s1 = await backend.CreateSnapshotAsync(volume, "COPY1", CancellationToken.None);
            var cp = Measure(true, () =>
            {
                Tool.Run("cp", "--reflink=never", s1.Location, Path.Combine(mount, "baseline.img"));
                Tool.Run("sync");
            });
            File.Delete(Path.Combine(mount, "baseline.img"));
            await CopiesAsync(rows, backend, volume, store, s1, size, cp, "cp + sync of the image");

            // Changed ranges, and the two ways of getting the stream.
            var (before, after, truth) = await ScatteredChangeAsync(backend, volume, size);
            await ChangedRangesAsync(rows, backend, before, after, truth, repeat, (a, b) => Task.FromResult((a.Location, b.Location, (Action)(() => { }))));
            var ioctl = await MedianAsync(repeat, () => backend.GetChangedRangesAsync(before, after, CancellationToken.None));
            var cli = await MedianAsync(repeat, async () =>
            {
                var changes = new ImageChanges(BtrfsLayout.ImageName, size, size);
                var send = new ProcessStartInfo("btrfs") { RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (var argument in new[] { "send", "-q", "--no-data", "-p", Path.GetDirectoryName(before.Location)!, Path.GetDirectoryName(after.Location)! })
                    send.ArgumentList.Add(argument);
                using var process = Process.Start(send)!;
                await SendStreamReader.ReadAsync(process.StandardOutput.BaseStream, changes.Add, CancellationToken.None);
                await process.WaitForExitAsync();
            });
            rows.Add(("  send stream: BTRFS_IOC_SEND (kept)", Ms(ioctl), ""));
            rows.Add(("  send stream: btrfs send --no-data -p | parser", $"{Ms(cli)} = {cli / ioctl:0.00}x the ioctl", ""));
        }
        Print($"btrfs driver: {size >> 20} MiB volume of random data, {repeat} repetitions per median, on a btrfs loop filesystem", rows);
    }

    private static async Task Qcow2Async(long size, int repeat, string path, bool isRoot)
    {
        var root = Directory.CreateDirectory(Path.Combine(path, $"storagesnapshot-localbench-{Guid.NewGuid():N}")).FullName;
        var rows = new List<(string, string, string)>();
        try
        {
            var backendPath = Directory.CreateDirectory(Path.Combine(root, "backend")).FullName;
            var properties = new Dictionary<string, string> { [Qcow2Driver.PathProperty] = backendPath };
            await using var backend = await new Qcow2Driver().OpenBackendAsync("bench", properties, CancellationToken.None);
            var volume = await backend.CreateVolumeAsync("bench", size, CancellationToken.None);
            rows.Add(("fill the volume with random data (through qemu-nbd)", await FillAsync(backend, volume, size), ""));

            var rawIndex = 0;
            var raw = await MedianAsync(repeat, () =>
            {
                Tool.Run("qemu-img", "create", "-q", "-f", "qcow2", "-o", Qcow2Backend.CreateOptions, "-b", volume.Location, "-F", "qcow2", "-u",
                    Path.Combine(root, $"raw{rawIndex++}.qcow2"), size.ToString(CultureInfo.InvariantCulture));
                return Task.CompletedTask;
            });
            rows.Add(("raw: qemu-img create -b (baseline)", Ms(raw), ""));
            await DriverAndEngineOpsAsync(rows, backend, volume, Qcow2Driver.DriverName, Path.Combine(root, "engine"), raw, repeat);

            var store = await FileSystemChunkStore.OpenOrCreateAsync(Path.Combine(root, "repository"), new RepositoryFormat(), CancellationToken.None);
            var s1 = await backend.CreateSnapshotAsync(volume, "COPY1", CancellationToken.None);
            var convert = Measure(isRoot, () =>
            {
                Tool.Run("qemu-img", "convert", "-f", "qcow2", "-O", "raw", s1.Location, Path.Combine(root, "baseline.raw"));
                Tool.Run("sync");
            });
            File.Delete(Path.Combine(root, "baseline.raw"));
            await CopiesAsync(rows, backend, volume, store, s1, size, convert, "qemu-img convert -O raw + sync");

            var (before, after, truth) = await ScatteredChangeAsync(backend, volume, size);
            await ChangedRangesAsync(rows, backend, before, after, truth, repeat, (a, b) =>
            {
                var (rawA, rawB) = (RawImage(a.Location, root), RawImage(b.Location, root));
                return Task.FromResult((rawA, rawB, (Action)(() => { File.Delete(rawA); File.Delete(rawB); })));
            });

            // Reads: from the layer files at the map's host offsets (kept) against through qemu-nbd.
            var mapRead = await MeasureAsync(isRoot, async () =>
            {
                using var reader = await backend.OpenSnapshotReaderAsync(s1, CancellationToken.None);
                return await ReadAllAsync(reader);
            });
            var nbdRead = await MeasureAsync(isRoot, async () =>
            {
                var export = await QemuNbdExport.StartAsync(s1.Location, readOnly: true, CancellationToken.None);
                using var reader = new NbdBlockReader(export, null);
                return await ReadAllAsync(reader);
            });
            rows.Add(("read the snapshot, cold: layer files at map offsets (kept)", Rate(size, mapRead.Elapsed), ""));
            rows.Add(("read the snapshot, cold: through qemu-nbd", $"{Rate(size, nbdRead.Elapsed)} = {mapRead.Elapsed / nbdRead.Elapsed:0.00}x the time", ""));
            var openMap = await MedianAsync(repeat, async () => { using var r = await backend.OpenSnapshotReaderAsync(s1, CancellationToken.None); });
            var openNbd = await MedianAsync(repeat, async () => { await using var e = await QemuNbdExport.StartAsync(s1.Location, readOnly: true, CancellationToken.None); });
            rows.Add(("open a reader: qemu-img map / qemu-nbd start + handshake", $"{Ms(openMap)} / {Ms(openNbd)}", ""));

            var merge = Stopwatch.StartNew();
            await backend.DeleteSnapshotAsync(before, CancellationToken.None);
            rows.Add(("delete a snapshot (commit of its one child)", Ms(merge.Elapsed.TotalMilliseconds), ""));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
        Print($"qcow2 driver: {size >> 20} MiB volume of random data, {repeat} repetitions per median, in {path}", rows);
    }

    /// <summary>Snapshot, revert and clone through the driver and through the engine (inventory, journal, lock), each as a ratio of the raw operation.</summary>
    private static async Task DriverAndEngineOpsAsync(List<(string, string, string)> rows, IDriverBackend backend, DriverObject volume, string driverName,
        string enginePath, double raw, int repeat)
    {
        var keys = 0;
        var snapshot = await backend.CreateSnapshotAsync(volume, "BASE", CancellationToken.None);
        var driverSnapshot = await MedianAsync(repeat, () => backend.CreateSnapshotAsync(volume, $"D{keys++}", CancellationToken.None));
        var driverRevert = await MedianAsync(repeat, () => backend.RevertVolumeAsync(volume, snapshot, CancellationToken.None));
        var clones = 0;
        var driverClone = await MedianAsync(repeat, () => backend.CloneVolumeAsync(snapshot, $"clone{clones++}", CancellationToken.None));
        for (var i = 0; i < clones; i++) await backend.DeleteVolumeAsync(new DriverObject { Reference = (await backend.ListVolumesAsync(CancellationToken.None)).Single(v => v.Location.Contains($"clone{i}", StringComparison.Ordinal)).Reference, Location = "" }, CancellationToken.None);

        Directory.CreateDirectory(enginePath);
        var backendPath = Directory.CreateDirectory(Path.Combine(enginePath, "backend")).FullName;
        var context = OperationContext.Unattended();
        await using var engine = await StorageSnapshotEngine.OpenAsync(new EngineOptions { HomeDirectory = Path.Combine(enginePath, "home") }, CancellationToken.None);
        await engine.RegisterBackendAsync(new RegisterBackendRequest("bench", driverName, new Dictionary<string, object?> { ["Path"] = backendPath }), context);
        var engineVolume = (await engine.NewVolumeAsync(new NewVolumeRequest("bench", "vol", volume.SizeBytes), context))!;
        var base0 = (await engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(engineVolume)), context))!;
        var engineSnapshot = await MedianAsync(repeat, () => engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(engineVolume)), context));
        var engineRevert = await MedianAsync(repeat, () => engine.RevertSnapshotAsync(SnapshotSelector.Of(base0), context));
        var engineClones = 0;
        var engineClone = await MedianAsync(repeat, () => engine.CloneVolumeAsync(new CloneVolumeRequest($"c{engineClones++}", SnapshotSelector.Of(base0)), context));

        foreach (var (what, driverTime, engineTime) in new[] { ("snapshot", driverSnapshot, engineSnapshot), ("revert", driverRevert, engineRevert), ("clone", driverClone, engineClone) })
        {
            rows.Add(($"{what}: driver", $"{Ms(driverTime)} = {driverTime / raw:0.00}x raw", ""));
            rows.Add(($"{what}: engine (inventory, journal, lock)", $"{Ms(engineTime)} = {engineTime / raw:0.00}x raw", "<= 1.2x"));
        }
    }

    private static async Task CopiesAsync(List<(string, string, string)> rows, IDriverBackend backend, DriverObject volume, IChunkStore store, DriverObject s1,
        long size, Measured<bool> baseline, string baselineName)
    {
        rows.Add(($"baseline: {baselineName}", Describe(size, baseline.Elapsed), ""));
        var full = await MeasureAsync(true, () => CopyAsync(backend, store, s1, "COPY1", null, null));
        rows.Add(("full copy to secondary storage", $"{Describe(size, full.Elapsed)} = {baseline.Elapsed / full.Elapsed:0.00}x the baseline's speed", ">= 1.0x"));

        // 1 % in 256 KiB blocks at random aligned offsets, as the copy benchmark changes it.
        const int Change = 256 << 10;
        var random = new Random(7);
        var blocks = new HashSet<long>();
        while (blocks.Count < size / 100 / Change) blocks.Add(random.NextInt64(size / Change));
        await using (var writer = await backend.OpenVolumeWriterAsync(volume, CancellationToken.None))
        {
            var data = new byte[Change];
            foreach (var block in blocks.Order())
            {
                random.NextBytes(data);
                await writer.WriteAsync(block * Change, data, CancellationToken.None);
            }
            await writer.FlushAsync(CancellationToken.None);
        }
        var s2 = await backend.CreateSnapshotAsync(volume, "COPY2", CancellationToken.None);
        var ranges = await backend.GetChangedRangesAsync(s1, s2, CancellationToken.None);
        var chunk = (long)full.Result.Manifest.ChunkSize;
        var touched = ranges.SelectMany(r => Enumerable.Range(0, (int)((r.End - 1) / chunk - r.Offset / chunk + 1)).Select(i => r.Offset / chunk + i)).Distinct().Count();
        var incremental = await MeasureAsync(true, () => CopyAsync(backend, store, s2, "COPY2", full.Result.Manifest.CopyId, ranges));
        var read = incremental.Result.Statistics.BytesRead;
        rows.Add(($"incremental copy after 1 % changed ({touched} chunks touched)",
            $"{Ms(incremental.Elapsed.TotalMilliseconds)}, read {Mib(read)} = {(double)read / (touched * chunk):0.000}x the changed chunks", "<= 1.1x"));
    }

    private static async Task ChangedRangesAsync(List<(string, string, string)> rows, IDriverBackend backend, DriverObject before, DriverObject after,
        SortedSet<long> written, int repeat, Func<DriverObject, DriverObject, Task<(string, string, Action)>> rawFilesOf)
    {
        var time = await MedianAsync(repeat, () => backend.GetChangedRangesAsync(before, after, CancellationToken.None));
        var ranges = await backend.GetChangedRangesAsync(before, after, CancellationToken.None);
        var (a, b, cleanUp) = await rawFilesOf(before, after);
        var differ = new SortedSet<long>();
        try
        {
            // The byte diff, streamed: 4 KiB blocks of the two raw images compared one by one.
            using var first = new FileStream(a, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            using var second = new FileStream(b, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            var x = new byte[Block];
            var y = new byte[Block];
            for (long i = 0; first.Position < first.Length; i++)
            {
                first.ReadExactly(x);
                second.ReadExactly(y);
                if (!x.AsSpan().SequenceEqual(y)) differ.Add(i);
            }
        }
        finally
        {
            cleanUp();
        }
        var reported = new SortedSet<long>(ranges.SelectMany(r => Enumerable.Range(0, (int)((r.End + Block - 1) / Block - r.Offset / Block)).Select(i => r.Offset / Block + i)));
        rows.Add(($"changed ranges after 1 % changed in scattered 4 KiB blocks ({written.Count} written)", $"{Ms(time)}, {ranges.Count} ranges", "<= 500 ms"));
        rows.Add(("  against a byte diff of the two snapshots (4 KiB blocks)",
            $"{differ.Count} differ, {reported.Count} reported, {differ.Except(reported).Count()} missed, {reported.Except(differ).Count()} extra", "exact"));
    }

    private static async Task<(DriverObject Before, DriverObject After, SortedSet<long> Written)> ScatteredChangeAsync(IDriverBackend backend, DriverObject volume, long size)
    {
        var before = await backend.CreateSnapshotAsync(volume, "DIFF1", CancellationToken.None);
        var random = new Random(42);
        var written = new SortedSet<long>();
        while (written.Count < size / Block / 100) written.Add(random.NextInt64(size / Block));
        await using (var writer = await backend.OpenVolumeWriterAsync(volume, CancellationToken.None))
        {
            var data = new byte[Block];
            foreach (var block in written)
            {
                random.NextBytes(data);
                await writer.WriteAsync(block * Block, data, CancellationToken.None);
            }
            await writer.FlushAsync(CancellationToken.None);
        }
        return (before, await backend.CreateSnapshotAsync(volume, "DIFF2", CancellationToken.None), written);
    }

    private static async Task<string> FillAsync(IDriverBackend backend, DriverObject volume, long size)
    {
        var clock = Stopwatch.StartNew();
        await using var writer = await backend.OpenVolumeWriterAsync(volume, CancellationToken.None);
        var buffer = new byte[4 << 20];
        for (long offset = 0; offset < size; offset += buffer.Length)
        {
            Random.Shared.NextBytes(buffer);
            await writer.WriteAsync(offset, buffer.AsMemory(0, (int)Math.Min(buffer.Length, size - offset)), CancellationToken.None);
        }
        await writer.FlushAsync(CancellationToken.None);
        return Rate(size, clock.Elapsed);
    }

    private static async Task<CopyResult> CopyAsync(IDriverBackend backend, IChunkStore store, DriverObject snapshot, string id, string? baseCopy, IReadOnlyList<ByteRange>? ranges)
    {
        using var reader = await backend.OpenSnapshotReaderAsync(snapshot, CancellationToken.None);
        return await new SnapshotCopier(store, new TransferOptions()).CopyAsync(new CopyRequest
        {
            Source = reader,
            Identity = new CopySource { Backend = "bench", Volume = "bench", SnapshotId = id },
            CopyId = id,
            BaseCopyId = baseCopy,
            ChangedRanges = ranges,
        }, new SilentOutput(), CancellationToken.None);
    }

    private static async Task<long> ReadAllAsync(IBlockReader reader)
    {
        var buffer = new byte[4 << 20];
        long total = 0;
        for (long offset = 0; offset < reader.Length;) { var read = await reader.ReadAsync(offset, buffer, CancellationToken.None); offset += read; total += read; }
        return total;
    }

    private static string RawImage(string image, string folder)
    {
        var raw = Path.Combine(folder, $"diff-{Guid.NewGuid():N}.raw");
        Tool.Run("qemu-img", "convert", "-U", "-f", "qcow2", "-O", "raw", image, raw);
        return raw;
    }

    private sealed record Measured<T>(T Result, TimeSpan Elapsed);

    private static Measured<bool> Measure(bool dropCaches, Action action)
    {
        Prepare(dropCaches);
        var clock = Stopwatch.StartNew();
        action();
        return new Measured<bool>(true, clock.Elapsed);
    }

    private static async Task<Measured<T>> MeasureAsync<T>(bool dropCaches, Func<Task<T>> action)
    {
        Prepare(dropCaches);
        var clock = Stopwatch.StartNew();
        var result = await action();
        return new Measured<T>(result, clock.Elapsed);
    }

    private static void Prepare(bool dropCaches)
    {
        Tool.Run("sync");
        if (dropCaches && Environment.UserName == "root") File.WriteAllText("/proc/sys/vm/drop_caches", "3");
    }

    private static void Print(string title, List<(string What, string Figure, string Goal)> rows)
    {
        Console.WriteLine(title);
        PrintRows(rows);
        Console.WriteLine();
    }

    private static string Ms(double milliseconds) => milliseconds.ToString("0.0", CultureInfo.InvariantCulture) + " ms";

    private sealed class SilentOutput : IOperationOutput
    {
        public void WriteVerbose(string message) { }
        public void WriteWarning(string message) => Console.Error.WriteLine("warning: " + message);
        public void WriteProgress(ProgressInfo progress) { }
        public void WriteError(StorageSnapshotException error) => Console.Error.WriteLine("error: " + error.Message);
    }
}
