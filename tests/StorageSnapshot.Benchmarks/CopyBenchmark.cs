using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Secondary.Repository;
using static StorageSnapshot.Benchmarks.Support.BenchmarkArguments;
using static StorageSnapshot.Benchmarks.Support.Figures;

namespace StorageSnapshot.Benchmarks;

/// <summary>
/// Copies to secondary storage against `cp` + `sync` of the same bytes to the same filesystem, in one run,
/// through the engine's journaled operations (what Copy-SnapshotToSecondary, New-StorageVolume -FromCopy and
/// Test-SnapshotCopy run): a volume of random data on a directory backend (on an XFS loop filesystem when root —
/// <see cref="PerfLoopFilesystem"/>, a direct-I/O loop device, so that `sync` means on the disk for cp as for the
/// engine; snapshots are reflinks and changed ranges exact — else in --path), a repository on the same filesystem.
/// Measures: full copy, incremental copies after 1 % and 10 % change, a second full copy of an unchanged
/// volume (repository growth), restore into a new volume, verify, peak memory per phase, and the chunk
/// compression options on random and on typical data. Page caches are dropped before each timed step when
/// root, so every step reads cold, as cp does in the baseline.
/// The baseline cp is `cp --reflink=never` (coreutils 9 would otherwise clone instead of copying).
/// Usage: copy [--size-mib N] [--chunk-mib N] [--compression none|deflate|brotli] [--path DIR]
/// </summary>
internal static class CopyBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var size = long.Parse(Option(args, "--size-mib") ?? "2048", CultureInfo.InvariantCulture) << 20;
        var chunkSize = int.Parse(Option(args, "--chunk-mib") ?? "4", CultureInfo.InvariantCulture) << 20;
        var compression = Enum.Parse<ChunkCompression>(Option(args, "--compression") ?? "None", ignoreCase: true);
        var isRoot = Environment.UserName == "root";
        var rows = new List<(string What, string Figure, string Goal)>();

        PerfLoopFilesystem? filesystem = null;
        var basePath = Option(args, "--path");
        try
        {
            if (basePath is null && isRoot)
            {
                filesystem = PerfLoopFilesystem.Create(4 * size + (4L << 30), LoopFilesystemKind.XfsReflink);
                basePath = filesystem.MountPoint;
            }
            basePath ??= Path.GetTempPath();
            var root = Directory.CreateDirectory(Path.Combine(basePath, $"storagesnapshot-copybench-{Guid.NewGuid():N}")).FullName;
            Console.WriteLine($"copy benchmark: {size >> 20} MiB volume of random data, {chunkSize >> 20} MiB chunks, " +
                $"compression {compression}, {Environment.ProcessorCount} cores, through the engine's operations, on {(filesystem is null ? basePath : "an XFS loop filesystem")}" +
                (isRoot ? "" : " (not root: page caches not dropped)"));

            await using (var bench = await BenchEngine.CreateAsync(root, chunkSize, compression))
            {
                var volume = await bench.NewVolumeAsync("bench", size);
                await using (var driver = await bench.OpenDriverAsync())
                {
                    await FillRandomAsync(driver, volume, size);
                }
                var s1 = await bench.SnapshotAsync(volume, "S1");

                // Baseline: cp + sync of the snapshot image to the same filesystem.
                var cp = Measure(isRoot, () =>
                {
                    Tool.Run("cp", "--reflink=never", s1.Location!, Path.Combine(root, "baseline.img"));
                    Tool.Run("sync");
                });
                File.Delete(Path.Combine(root, "baseline.img"));
                Tool.Run("sync");
                rows.Add(("baseline: cp + sync", Describe(size, cp.Elapsed), ""));

                // Full copy.
                var full = await MeasureAsync(isRoot, () => bench.CopyAsync(s1));
                rows.Add(("full copy", $"{Describe(size, full.Elapsed)}, {cp.Elapsed / full.Elapsed:0.00}x cp + sync", ">= 0.9x"));
                rows.Add(("  peak memory (RSS high-water mark)", Mib(full.PeakRss), $"<= 256 MiB + {Environment.ProcessorCount} x {chunkSize >> 20} MiB x 3"));

                // Second full copy of the unchanged volume: a new snapshot, everything read (-Full).
                var s1b = await bench.SnapshotAsync(volume, "S1B");
                var before = RepositoryBytes(bench.Repository);
                var again = await MeasureAsync(isRoot, () => bench.CopyAsync(s1b, full: true));
                var growth = RepositoryBytes(bench.Repository) - before;
                rows.Add(("second full copy, unchanged volume", $"{Describe(size, again.Elapsed)}, repository grew {growth} bytes = {100.0 * growth / before:0.0000} %", "<= 0.1 %"));

                // Incremental copies after 1 % and 10 % change: the engine takes the newest older copy as the base
                // and the driver's changed ranges.
                var random = new Random(7);
                foreach (var percent in new[] { 1, 10 })
                {
                    int changedChunks;
                    await using (var driver = await bench.OpenDriverAsync())
                    {
                        changedChunks = await ChangeAsync(driver, volume, size, chunkSize, percent, random);
                    }
                    var snapshot = await bench.SnapshotAsync(volume, $"P{percent}");
                    var incremental = await MeasureAsync(isRoot, () => bench.CopyAsync(snapshot));
                    var copy = incremental.Result;
                    var changedBytes = (long)changedChunks * chunkSize;
                    rows.Add(($"incremental copy after {percent} % change ({changedChunks} chunks touched)",
                        $"{Ms(incremental.Elapsed)} ({full.Elapsed / incremental.Elapsed:0.0}x faster than full), read {Mib(copy.BytesRead)}, " +
                        $"wrote {Mib(copy.BytesWritten)} = {(double)copy.BytesWritten / changedBytes:0.000}x the changed chunks" +
                        (copy.BaseCopyId is not null ? "" : " (NOT incremental: no base copy)"),
                        "written <= 1.05x"));
                }

                // Restore into a new volume (New-StorageVolume -FromCopy) vs cp + sync of the image.
                var cpRestore = Measure(isRoot, () =>
                {
                    Tool.Run("cp", "--reflink=never", s1.Location!, Path.Combine(root, "baseline-restore.img"));
                    Tool.Run("sync");
                });
                File.Delete(Path.Combine(root, "baseline-restore.img"));
                Tool.Run("sync");
                var restore = await MeasureAsync(isRoot, async () =>
                    (await bench.Engine.NewVolumeFromCopyAsync(new NewVolumeFromCopyRequest("restored", full.Result.Id), BenchEngine.Context))!);
                rows.Add(("baseline: cp + sync (before restore)", Describe(size, cpRestore.Elapsed), ""));
                rows.Add(("restore into a new volume", $"{Describe(size, restore.Elapsed)}, {cpRestore.Elapsed / restore.Elapsed:0.00}x cp + sync", ">= 0.9x"));
                rows.Add(("  peak memory", Mib(restore.PeakRss), ""));
                Tool.Run("cmp", s1.Location!, restore.Result.Location!);
                rows.Add(("  restored image equals the snapshot (cmp)", "yes", ""));

                // Test-SnapshotCopy: re-hash every chunk.
                var verify = await MeasureAsync(isRoot, () => bench.Engine.TestSnapshotCopyAsync(full.Result.Id, compareWithSource: false, BenchEngine.Context));
                rows.Add(("verify (re-hash every chunk)", $"{Describe(size, verify.Elapsed)}, {(verify.Result.Valid ? "valid" : "INVALID")}", ""));
                rows.Add(("  peak memory", Mib(verify.PeakRss), ""));
            }
            Directory.Delete(root, recursive: true);
        }
        finally
        {
            filesystem?.Dispose();
        }

        PrintRows(rows);
        Console.WriteLine();
        Compression();
        return 0;
    }

    private static async Task FillRandomAsync(IDriverBackend driver, Volume volume, long size)
    {
        await using var writer = await BenchEngine.OpenWriterAsync(driver, volume);
        var buffer = new byte[4 << 20];
        for (long offset = 0; offset < size; offset += buffer.Length)
        {
            Random.Shared.NextBytes(buffer);
            await writer.WriteAsync(offset, buffer.AsMemory(0, (int)Math.Min(buffer.Length, size - offset)), CancellationToken.None);
        }
        await writer.FlushAsync(CancellationToken.None);
    }

    /// <summary>Writes random 256 KiB blocks at random aligned offsets until <paramref name="percent"/> % of the volume is new; returns the chunks touched.</summary>
    private static async Task<int> ChangeAsync(IDriverBackend driver, Volume volume, long size, int chunkSize, int percent, Random random)
    {
        const int Block = 256 << 10;
        var blocks = new HashSet<long>();
        var target = size * percent / 100 / Block;
        while (blocks.Count < target) blocks.Add(random.NextInt64(size / Block));
        await using var writer = await BenchEngine.OpenWriterAsync(driver, volume);
        var data = new byte[Block];
        foreach (var block in blocks.Order())
        {
            random.NextBytes(data);
            await writer.WriteAsync(block * Block, data, CancellationToken.None);
        }
        await writer.FlushAsync(CancellationToken.None);
        return blocks.Select(b => b * Block / chunkSize).Distinct().Count();
    }

    /// <summary>Deflate (fastest) and Brotli (quality 1) on one core, on random and on typical data: the evidence for "no compression" as default.</summary>
    private static void Compression()
    {
        const int Chunk = 4 << 20;
        const int Chunks = 16;
        var random = new byte[Chunk];
        Random.Shared.NextBytes(random);
        // Typical: a third text (logs), a third zeros (free blocks inside a chunk), a third random (binaries, media).
        var typical = new byte[Chunk];
        var text = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 100_000).Select(i => $"2026-11-22T03:{i % 60:00}:00Z host{i % 7} service[{i % 999}]: request {i} served in {i % 97} ms\n")));
        text.AsSpan(0, Chunk / 3).CopyTo(typical);
        random.AsSpan(0, Chunk / 3).CopyTo(typical.AsSpan(2 * Chunk / 3));

        var rows = new List<(string What, string Figure, string Goal)>();
        var sha = Stopwatch.StartNew();
        for (var i = 0; i < Chunks; i++) ChunkDigest.Of(random);
        rows.Add(("SHA-256 (reference)", $"{Chunks * (double)Chunk / sha.Elapsed.TotalSeconds / 1e6:0} MB/s", ""));
        foreach (var (name, data) in new[] { ("random", random), ("typical", typical) })
        {
            foreach (var (codec, compress) in new (string, Func<byte[], int>)[]
            {
                ("deflate fastest", d => { using var m = new MemoryStream(); using (var z = new DeflateStream(m, CompressionLevel.Fastest, true)) z.Write(d); return (int)m.Length; }),
                ("brotli q1", d => { var o = new byte[BrotliEncoder.GetMaxCompressedLength(d.Length)]; BrotliEncoder.TryCompress(d, o, out var w, 1, 22); return w; }),
            })
            {
                compress(data);
                var clock = Stopwatch.StartNew();
                var compressed = 0L;
                for (var i = 0; i < Chunks; i++) compressed += compress(data);
                rows.Add(($"{codec} on {name} data", $"{Chunks * (double)Chunk / clock.Elapsed.TotalSeconds / 1e6:0} MB/s one core, size {100.0 * compressed / (Chunks * (double)Chunk):0.0} %", ""));
            }
        }
        Console.WriteLine("chunk compression (one core, 4 MiB chunks)");
        PrintRows(rows);
    }

    private sealed record Measured<T>(T Result, TimeSpan Elapsed, long PeakRss);

    private static Measured<bool> Measure(bool dropCaches, Action action)
    {
        Prepare(dropCaches);
        var clock = Stopwatch.StartNew();
        action();
        return new Measured<bool>(true, clock.Elapsed, PeakRss());
    }

    private static async Task<Measured<T>> MeasureAsync<T>(bool dropCaches, Func<Task<T>> action)
    {
        Prepare(dropCaches);
        var clock = Stopwatch.StartNew();
        var result = await action();
        return new Measured<T>(result, clock.Elapsed, PeakRss());
    }

    /// <summary>Flushes dirty pages, drops the page cache (root) and resets the RSS high-water mark (clear_refs 5).</summary>
    private static void Prepare(bool dropCaches)
    {
        Tool.Run("sync");
        if (dropCaches) File.WriteAllText("/proc/sys/vm/drop_caches", "3");
        GC.Collect();
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (IOException)
        {
            // Older kernels: the figure is then the process's lifetime peak.
        }
    }

    private static long PeakRss()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? Process.GetCurrentProcess().PeakWorkingSet64
            : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    private static long RepositoryBytes(string repository) =>
        new DirectoryInfo(repository).EnumerateFiles("*", SearchOption.AllDirectories)
            .Where(f => !f.FullName.Contains($"{Path.DirectorySeparatorChar}locks{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Sum(f => f.Length);
}
