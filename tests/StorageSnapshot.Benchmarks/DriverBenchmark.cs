using System.Diagnostics;
using System.Globalization;
using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Drivers.Directory;
using static StorageSnapshot.Benchmarks.Support.BenchmarkArguments;

namespace StorageSnapshot.Benchmarks;

/// <summary>
/// The directory driver on whatever filesystem holds --path (mount an XFS or btrfs loop device there to see
/// reflinks): fill a volume with random data, snapshot, change 1 % in scattered 4 KiB blocks, snapshot again,
/// compute the changed ranges, revert, clone. Baseline in the same run: `cp` of the volume image + `sync`.
/// Usage: driver [--path DIR] [--size-mib N] [--change-percent P]
/// </summary>
internal static class DriverBenchmark
{
    private const int Block = 4096;

    public static async Task<int> RunAsync(string[] args)
    {
        var path = Option(args, "--path") ?? Path.GetTempPath();
        var size = long.Parse(Option(args, "--size-mib") ?? "2048", CultureInfo.InvariantCulture) << 20;
        var changePercent = double.Parse(Option(args, "--change-percent") ?? "1", CultureInfo.InvariantCulture);
        var root = Directory.CreateDirectory(Path.Combine(path, $"storagesnapshot-bench-{Guid.NewGuid():N}")).FullName;
        var rows = new List<(string What, string Figure)>();
        try
        {
            var properties = new Dictionary<string, string> { [DirectoryDriver.PathProperty] = root };
            await using var backend = await new DirectoryDriver().OpenBackendAsync("bench", properties, CancellationToken.None);
            var volume = await backend.CreateVolumeAsync("bench", size, CancellationToken.None);

            var fill = Stopwatch.StartNew();
            await using (var writer = await backend.OpenVolumeWriterAsync(volume, CancellationToken.None))
            {
                var buffer = new byte[4 << 20];
                for (long offset = 0; offset < size; offset += buffer.Length)
                {
                    Random.Shared.NextBytes(buffer);
                    await writer.WriteAsync(offset, buffer.AsMemory(0, (int)Math.Min(buffer.Length, size - offset)), CancellationToken.None);
                }
                await writer.FlushAsync(CancellationToken.None);
            }
            rows.Add(("fill volume (write + fsync)", Figures.Rate(size, fill.Elapsed)));

            var baseline = Stopwatch.StartNew();
            Tool.Run("cp", volume.Location, Path.Combine(root, "baseline-copy.img"));
            Tool.Run("sync");
            baseline.Stop();
            rows.Add(("baseline: cp + sync of the image", $"{Ms(baseline.Elapsed)}  ({Figures.Rate(size, baseline.Elapsed)})"));
            File.Delete(Path.Combine(root, "baseline-copy.img"));

            var snap = Stopwatch.StartNew();
            var s1 = await backend.CreateSnapshotAsync(volume, "s1", CancellationToken.None);
            snap.Stop();
            rows.Add(($"snapshot ({s1.Details["copyMethod"]})", $"{Ms(snap.Elapsed)}  ({snap.Elapsed / baseline.Elapsed:0.00}x the time of cp + sync)"));

            var changedBlocks = new SortedSet<long>();
            var target = (long)(size / Block * changePercent / 100);
            var random = new Random(42);
            while (changedBlocks.Count < target) changedBlocks.Add(random.NextInt64(size / Block));
            await using (var writer = await backend.OpenVolumeWriterAsync(volume, CancellationToken.None))
            {
                var data = new byte[Block];
                foreach (var blockIndex in changedBlocks)
                {
                    random.NextBytes(data);
                    await writer.WriteAsync(blockIndex * Block, data, CancellationToken.None);
                }
                await writer.FlushAsync(CancellationToken.None);
            }
            var s2 = await backend.CreateSnapshotAsync(volume, "s2", CancellationToken.None);

            if (backend.Capabilities.HasFlag(StorageSnapshot.DriverCapabilities.ChangedRanges))
            {
                var diff = Stopwatch.StartNew();
                var ranges = await backend.GetChangedRangesAsync(s1, s2, CancellationToken.None);
                diff.Stop();
                var reported = ranges.Sum(r => r.Length);
                var truth = changedBlocks.Count * (long)Block;
                var missed = changedBlocks.Count(b => !Covered(ranges, b * Block, Block));
                rows.Add(($"changed ranges ({changePercent} % changed in 4 KiB blocks)", $"{Ms(diff.Elapsed)}, {ranges.Count} ranges"));
                rows.Add(("  reported / really changed bytes", $"{Mib(reported)} / {Mib(truth)} = {(double)reported / truth:0.000}x, {missed} changed blocks missed"));
            }
            else
            {
                rows.Add(("changed ranges", "not offered on this filesystem"));
            }

            var revert = Stopwatch.StartNew();
            await backend.RevertVolumeAsync(volume, s1, CancellationToken.None);
            rows.Add(("revert to s1", Ms(revert.Elapsed)));

            var clone = Stopwatch.StartNew();
            await backend.CloneVolumeAsync(s2, "clone", CancellationToken.None);
            rows.Add(("clone from s2", Ms(clone.Elapsed)));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }

        Console.WriteLine($"directory driver on {path} ({size >> 20} MiB volume, random data)");
        var width = rows.Max(r => r.What.Length);
        foreach (var (what, figure) in rows) Console.WriteLine($"  {what.PadRight(width)}  {figure}");
        return 0;
    }

    private static bool Covered(IReadOnlyList<ByteRange> ranges, long offset, long length)
    {
        var lo = 0;
        var hi = ranges.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            if (ranges[mid].End <= offset) lo = mid + 1;
            else if (ranges[mid].Offset > offset) hi = mid - 1;
            else return ranges[mid].End >= offset + length;
        }
        return false;
    }

    private static string Ms(TimeSpan elapsed) => $"{elapsed.TotalMilliseconds:0.0} ms";

    // Two decimals, where Figures.Mib has one: this suite has always printed its changed bytes so.
    private static string Mib(long bytes) => $"{bytes / (double)(1 << 20):0.00} MiB";
}
