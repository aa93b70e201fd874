using System.Diagnostics;
using System.Globalization;
using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Drivers.CephRbd;
using StorageSnapshot.Engine.Drivers.CephRbd.Native;
using StorageSnapshot.Engine.Facade;
using static StorageSnapshot.Benchmarks.Support.BenchmarkArguments;
using static StorageSnapshot.Benchmarks.Support.Figures;

namespace StorageSnapshot.Benchmarks;

/// <summary>
/// The ceph-rbd driver through the engine against librbd and the rbd command on the same cluster, in one run: an
/// image of random data (1 GiB by default) in a fresh namespace of the test cluster (tests/infrastructure/ceph.sh).
/// - snapshot, revert, clone through the engine (StorageSnapshotEngine, what the cmdlets call: a connection, the
///   volume lock, the journal) against the same librbd call alone on an image already open (median of --repeat);
/// - a full Copy-SnapshotToSecondary into a filesystem repository against `rbd export` of the snapshot to a file, both
///   under --path and followed by sync;
/// - an incremental copy after 1 % change (random 256 KiB blocks) against `rbd export-diff --from-snap`, with the bytes
///   read against the changed extents rounded to chunks;
/// - a restore from the copy into a new image against `rbd import` of the exported file.
/// Each copy and its baseline run twice, alternating, and the faster of each counts (the OSD's and the page cache's
/// state then favour neither). Nothing is dropped from caches: the cluster is shared with whoever else runs here.
/// Usage: ceph [--conf PATH] [--pool NAME] [--size-mib N] [--repeat N] [--path DIR]
/// </summary>
internal static class CephBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var conf = Option(args, "--conf") ?? Environment.GetEnvironmentVariable("STORAGESNAPSHOT_CEPH_CONF") ?? "/tmp/storagesnapshot-ceph-cluster/ceph.conf";
        var pool = Option(args, "--pool") ?? Environment.GetEnvironmentVariable("STORAGESNAPSHOT_CEPH_POOL") ?? "rbd";
        var size = long.Parse(Option(args, "--size-mib") ?? "1024", CultureInfo.InvariantCulture) << 20;
        var repeat = int.Parse(Option(args, "--repeat") ?? "5", CultureInfo.InvariantCulture);
        var basePath = Option(args, "--path") ?? Path.GetTempPath();
        if (!File.Exists(conf))
        {
            Console.Error.WriteLine($"No Ceph cluster: '{conf}' does not exist. Start one with `bash tests/infrastructure/ceph.sh start` or give --conf.");
            return 2;
        }

        var nameSpace = $"bench-{Guid.NewGuid():N}"[..18];
        var root = Directory.CreateDirectory(Path.Combine(basePath, $"storagesnapshot-cephbench-{Guid.NewGuid():N}")).FullName;
        var rows = new List<(string What, string Figure, string Goal)>();
        Rbd(conf, "namespace", "create", $"{pool}/{nameSpace}");
        Console.WriteLine($"ceph benchmark: {size >> 20} MiB image of random data in {pool}/{nameSpace}, {Environment.ProcessorCount} cores, files under {root}");
        try
        {
            var properties = new Dictionary<string, object?> { ["Pool"] = pool, ["Namespace"] = nameSpace, ["ConfigFile"] = conf };
            await using var engine = await StorageSnapshotEngine.OpenAsync(new EngineOptions { HomeDirectory = Path.Combine(root, "home") }, CancellationToken.None);
            var unattended = OperationContext.Unattended();
            await engine.RegisterBackendAsync(new RegisterBackendRequest("bench", CephRbdDriver.DriverName, properties), unattended);
            var volume = (await engine.NewVolumeAsync(new NewVolumeRequest("bench", "vm1", size), unattended))!;
            var settings = CephRbdSettings.From(properties.ToDictionary(p => p.Key, p => (string)p.Value!));
            using var session = await CephSession.ConnectAsync(settings, CancellationToken.None);
            var fill = Stopwatch.StartNew();
            using (var image = session.OpenImage("vm1", null, readOnly: false)) await FillRandomAsync(image, size);
            rows.Add(("fill the image (aio writes, 8 in flight)", Describe(size, fill.Elapsed), ""));

            // Each raw call runs on the image opened once for the series, after one untimed call that takes the image's
            // exclusive lock (the engine's own calls, on their own connection, would otherwise pass it back and forth).
            // Snapshot: the engine (connect, lock, journal, rbd_snap_create) vs rbd_snap_create on the open image.
            var engineSnapshots = new List<Snapshot>();
            var engineSnap = await MedianAsync(repeat, async i => engineSnapshots.Add((await engine.NewSnapshotAsync(new NewSnapshotRequest(new VolumeSelector(Backend: "bench", Name: "vm1")) { Name = $"e{i}" }, unattended))!));
            TimeSpan rawSnap;
            using (var image = session.OpenImage("vm1", null, readOnly: false))
            {
                Check(Librbd.rbd_snap_create(image, "raw-warm-up"), "rbd_snap_create");
                rawSnap = await MedianAsync(repeat, i => Task.Run(() => Check(Librbd.rbd_snap_create(image, $"raw{i}"), "rbd_snap_create")));
            }
            rows.Add(("snapshot: rbd_snap_create alone", Ms(rawSnap), ""));
            rows.Add(("snapshot: New-StorageSnapshot (engine)", $"{Ms(engineSnap)}, {engineSnap / rawSnap:0.00}x", "<= 1.2x"));

            // Clone: the engine vs rbd_clone3 of the same snapshot, in the clone format the driver chose (auto).
            var first = engineSnapshots[0];
            var rawName = first.DriverReference!.Split('@')[1];
            var engineClone = await MedianAsync(repeat, i => engine.CloneVolumeAsync(new CloneVolumeRequest($"clone-e{i}", SnapshotSelector.Of(first)), unattended));
            var format = session.MinimumClientRelease() >= 13 ? 2UL : 1UL;
            var rawClone = await MedianAsync(repeat, i => Task.Run(() =>
            {
                using var options = new RbdImageOptionsHandle();
                Check(Librbd.rbd_image_options_set_uint64(options, Librbd.ImageOptionCloneFormat, format), "rbd_image_options_set_uint64");
                Check(Librbd.rbd_clone3(session.Pool, "vm1", rawName, session.Pool, $"clone-raw{i}", options), "rbd_clone3");
            }));
            rows.Add(($"clone (format {format}): rbd_clone3 alone", Ms(rawClone), ""));
            rows.Add(("clone: New-StorageVolume -FromSnapshot (engine)", $"{Ms(engineClone)}, {engineClone / rawClone:0.00}x", "<= 1.2x"));

            // Revert: the engine vs rbd_snap_rollback on the open image (every object of the image is rolled back).
            var engineRevert = await MedianAsync(repeat, _ => engine.RevertSnapshotAsync(SnapshotSelector.Of(first), unattended));
            TimeSpan rawRevert;
            using (var image = session.OpenImage("vm1", null, readOnly: false))
            {
                Rollback(image, rawName);
                rawRevert = await MedianAsync(repeat, _ => Task.Run(() => Rollback(image, rawName)));
            }
            rows.Add(("revert: rbd_snap_rollback alone", Ms(rawRevert), ""));
            rows.Add(("revert: Restore-StorageSnapshot (engine)", $"{Ms(engineRevert)}, {engineRevert / rawRevert:0.00}x", "<= 1.2x"));

            // Full copy into a filesystem repository vs rbd export of the same snapshot to a file, each + sync.
            var exportFile = Path.Combine(root, "export.img");
            var spec = $"{pool}/{nameSpace}/vm1@{rawName}";
            TimeSpan bestExport = TimeSpan.MaxValue, bestCopy = TimeSpan.MaxValue;
            SnapshotCopy? fullCopy = null;
            for (var run = 0; run < 2; run++)
            {
                File.Delete(exportFile);
                Tool.Run("sync");
                bestExport = Min(bestExport, Time(() => { Rbd(conf, "export", "--no-progress", spec, exportFile); Tool.Run("sync"); }));
                var repository = Path.Combine(root, $"repo{run}");
                await engine.RegisterSecondaryStorageAsync(new RegisterSecondaryStorageRequest($"repo{run}", repository) { CreateDirectory = true }, unattended);
                Tool.Run("sync");
                var clock = Stopwatch.StartNew();
                fullCopy = await engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(SnapshotSelector.Of(first), $"repo{run}", Full: true), unattended);
                Tool.Run("sync");
                bestCopy = Min(bestCopy, clock.Elapsed);
            }
            rows.Add(("full copy: rbd export + sync", Describe(size, bestExport), ""));
            rows.Add(("full copy: Copy-SnapshotToSecondary (engine)", $"{Describe(size, bestCopy)}, {bestExport / bestCopy:0.00}x rbd export", ">= 1.0x"));

            // Incremental copy after 1 % change vs rbd export-diff --from-snap.
            (long Bytes, int Chunks) change;
            using (var image = session.OpenImage("vm1", null, readOnly: false)) change = await ChangeAsync(image, size, percent: 1, chunkSize: 4 << 20, new Random(7));
            var (changedBytes, changedChunks) = change;
            var second = (await engine.NewSnapshotAsync(new NewSnapshotRequest(new VolumeSelector(Backend: "bench", Name: "vm1")) { Name = "after-change" }, unattended))!;
            var secondName = second.DriverReference!.Split('@')[1];
            var diffFile = Path.Combine(root, "export.diff");
            TimeSpan bestDiff = TimeSpan.MaxValue, bestIncremental = TimeSpan.MaxValue;
            SnapshotCopy? incremental = null;
            for (var run = 0; run < 2; run++)
            {
                File.Delete(diffFile);
                Tool.Run("sync");
                bestDiff = Min(bestDiff, Time(() => { Rbd(conf, "export-diff", "--no-progress", "--from-snap", rawName, $"{pool}/{nameSpace}/vm1@{secondName}", diffFile); Tool.Run("sync"); }));
                // A copy of the changed snapshot exists after the first run; each run copies into its own repository.
                var clock = Stopwatch.StartNew();
                incremental = await engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(SnapshotSelector.Of(second), $"repo{run}"), unattended);
                Tool.Run("sync");
                bestIncremental = Min(bestIncremental, clock.Elapsed);
            }
            var rounded = changedChunks * (4L << 20);
            rows.Add(($"incremental, 1 % changed ({Mib(changedBytes)} in {changedChunks} chunks): rbd export-diff + sync", $"{Ms(bestDiff)}, {Mib(new FileInfo(diffFile).Length)} written", ""));
            rows.Add(("incremental: Copy-SnapshotToSecondary (engine)", $"{Ms(bestIncremental)}, {bestIncremental / bestDiff:0.00}x rbd export-diff", "time <= 1.5x"));
            rows.Add(("  bytes read / changed extents rounded to 4 MiB chunks",
                $"{Mib(incremental!.BytesRead)} / {Mib(rounded)} = {(double)incremental.BytesRead / rounded:0.00}x ({(incremental.BaseCopyId is null ? "NOT incremental" : "incremental")}; includes the engine's check of >= 16 unchanged chunks)",
                "<= 1.1x"));

            // Restore into a new image vs rbd import of the exported file.
            TimeSpan bestImport = TimeSpan.MaxValue, bestRestore = TimeSpan.MaxValue;
            for (var run = 0; run < 2; run++)
            {
                Tool.Run("sync");
                bestImport = Min(bestImport, Time(() => Rbd(conf, "import", "--no-progress", exportFile, $"{pool}/{nameSpace}/imported{run}")));
                var clock = Stopwatch.StartNew();
                await engine.NewVolumeFromCopyAsync(new NewVolumeFromCopyRequest($"restored{run}", fullCopy!.Id), unattended);
                bestRestore = Min(bestRestore, clock.Elapsed);
            }
            rows.Add(("restore: rbd import of the exported file", Describe(size, bestImport), ""));
            rows.Add(("restore: New-StorageVolume -FromCopy (engine)", $"{Describe(size, bestRestore)}, {bestImport / bestRestore:0.00}x rbd import", ">= 0.9x"));
            var restoredFile = Path.Combine(root, "restored.img");
            Rbd(conf, "export", "--no-progress", $"{pool}/{nameSpace}/restored0", restoredFile);
            Tool.Run("cmp", exportFile, restoredFile);
            rows.Add(("  restored image equals the snapshot (rbd export + cmp)", "yes", ""));
        }
        finally
        {
            PurgeNamespace(conf, pool, nameSpace);
            Directory.Delete(root, recursive: true);
        }

        PrintRows(rows);
        return 0;
    }

    private static void Rollback(RbdImageHandle image, string snapshot) => ProgressCallback.With(new BlockingCall.Progress(), state =>
    {
        unsafe { return Check(Librbd.rbd_snap_rollback_with_progress(image, snapshot, ProgressCallback.Pointer, state), "rbd_snap_rollback"); }
    });

    private static async Task FillRandomAsync(RbdImageHandle image, long size)
    {
        const int Block = 4 << 20;
        var buffers = Enumerable.Range(0, 8).Select(_ => new byte[Block]).ToArray();
        for (long offset = 0; offset < size; offset += 8L * Block)
        {
            var writes = new List<Task<long>>();
            for (var i = 0; i < 8 && offset + (long)i * Block < size; i++)
            {
                Random.Shared.NextBytes(buffers[i]);
                writes.Add(Write(image, offset + (long)i * Block, buffers[i]));
            }
            foreach (var result in await Task.WhenAll(writes)) Check(result, "rbd_aio_write2");
        }
        Check(await AioRequest.StartAsync(completion => Librbd.rbd_aio_flush(image, completion)), "rbd_aio_flush");
    }

    /// <summary>Writes random 256 KiB blocks at random aligned offsets until <paramref name="percent"/> % of the image is new.</summary>
    private static async Task<(long Bytes, int Chunks)> ChangeAsync(RbdImageHandle image, long size, int percent, int chunkSize, Random random)
    {
        const int Block = 256 << 10;
        var blocks = new HashSet<long>();
        var target = size * percent / 100 / Block;
        while (blocks.Count < target) blocks.Add(random.NextInt64(size / Block));
        var data = new byte[Block];
        foreach (var block in blocks.Order())
        {
            random.NextBytes(data);
            Check(await Write(image, block * Block, data), "rbd_aio_write2");
        }
        return (blocks.Count * (long)Block, blocks.Select(b => b * Block / chunkSize).Distinct().Count());
    }

    private static unsafe Task<long> Write(RbdImageHandle image, long offset, byte[] data)
    {
        var pin = data.AsMemory().Pin();
        var source = (byte*)pin.Pointer;
        return AioRequest.StartAsync(completion => Librbd.rbd_aio_write2(image, (ulong)offset, (nuint)data.Length, source, completion, 0))
            .ContinueWith(t => { pin.Dispose(); return t.Result; }, TaskScheduler.Default);
    }

    private static async Task<TimeSpan> MedianAsync(int repeat, Func<int, Task> action)
    {
        var times = new List<TimeSpan>();
        for (var i = 0; i < repeat; i++)
        {
            var clock = Stopwatch.StartNew();
            await action(i);
            times.Add(clock.Elapsed);
        }
        times.Sort();
        return times[times.Count / 2];
    }

    private static TimeSpan Time(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static int Check(long result, string call) =>
        result >= 0 ? 0 : throw new InvalidOperationException($"{call} failed: {CephError.Name((int)-result)}");

    /// <summary>Removes every image (clones first, snapshots unprotected) and the namespace.</summary>
    private static void PurgeNamespace(string conf, string pool, string nameSpace)
    {
        for (var round = 0; round < 3; round++)
        {
            foreach (var image in Rbd(conf, "ls", $"{pool}/{nameSpace}").Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var spec = $"{pool}/{nameSpace}/{image}";
                try
                {
                    foreach (var entry in System.Text.Json.JsonDocument.Parse(Rbd(conf, "snap", "ls", "--format", "json", spec)).RootElement.EnumerateArray())
                        if (entry.GetProperty("protected").GetString() == "true") Rbd(conf, "snap", "unprotect", $"{spec}@{entry.GetProperty("name").GetString()}");
                    Rbd(conf, "snap", "purge", "--no-progress", spec);
                    Rbd(conf, "rm", "--no-progress", spec);
                }
                catch (InvalidOperationException)
                {
                    // a parent whose clones go in this round: the next round takes it
                }
            }
        }
        Rbd(conf, "namespace", "remove", $"{pool}/{nameSpace}");
    }

    private static string Rbd(string conf, params string[] arguments) => Tool.Run("rbd", new[] { "--conf", conf }.Concat(arguments).ToArray());
}
