using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Facade;
using static StorageSnapshot.Benchmarks.Support.BenchmarkArguments;
using static StorageSnapshot.Benchmarks.Support.Figures;

namespace StorageSnapshot.Benchmarks;

/// <summary>
/// Copies of huge sparse volumes: memory, manifest size and time must follow the data, not the volume's size.
/// A sparse volume (64 TiB by default) holding a little data (1 GiB, in 16 extents spread over the whole volume,
/// not chunk-aligned) goes through every secondary-storage step, each the engine's own journaled operation — full copy, incremental copy (changed ranges),
/// verify, verify against the source, restore into a new volume, restore in place, chunk collection — and a
/// reference volume exactly as large as the data goes through the same steps in the same run, so "time ∝ data"
/// is a ratio: the huge volume's time over the reference's.
///
/// Each step runs in its own child process (this program, hidden suite <c>scale-phase</c>); when the step is
/// done the child says so and waits, and the parent reads the child's peak resident set (VmHWM in
/// /proc/&lt;pid&gt;/status) before letting it exit. So the figure is the whole process's high-water mark for
/// that step alone — runtime, JIT, GC heaps, buffers — measured from outside, not a GC estimate. An idle child
/// gives the runtime's own floor. Page caches are dropped before every step.
///
/// Needs root (an XFS loop filesystem, <see cref="PerfLoopFilesystem"/>: ext4 cannot hold a file over 16 TiB).
/// Usage: scale [--volume-gib N] [--data-mib N] [--chunk-mib N] [--skip phase,phase] [--no-reference]
/// </summary>
internal static class ScaleBenchmark
{
    private const string PhaseSuite = "scale-phase";
    private const int Extents = 16;
    private static readonly JsonSerializerOptions Json = new() { IncludeFields = true };

    private static readonly string[] Phases =
        { "copy", "incremental-copy", "verify", "verify-source", "restore-new", "restore-in-place", "collect" };

    public static async Task<int> RunAsync(string[] args)
    {
        var volumeBytes = long.Parse(Option(args, "--volume-gib") ?? "65536", CultureInfo.InvariantCulture) << 30;
        var dataBytes = long.Parse(Option(args, "--data-mib") ?? "1024", CultureInfo.InvariantCulture) << 20;
        var chunkSize = int.Parse(Option(args, "--chunk-mib") ?? "4", CultureInfo.InvariantCulture) << 20;
        var skip = (Option(args, "--skip") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var reference = !args.Contains("--no-reference");
        if (Environment.UserName != "root")
        {
            Console.Error.WriteLine("scale benchmark: needs root (an XFS loop filesystem for files over 16 TiB, dropping page caches).");
            return 77;
        }

        var results = new List<(string Volume, PhaseResult Result)>();
        long idlePeak;
        using (var filesystem = PerfLoopFilesystem.Create(8 * dataBytes + (8L << 30), LoopFilesystemKind.XfsReflink))
        {
            var mountPoint = filesystem.MountPoint;
            Console.WriteLine($"scale benchmark: {Size(volumeBytes)} sparse volume with {Size(dataBytes)} of data in {Extents} extents, " +
                $"{chunkSize >> 20} MiB chunks, {Environment.ProcessorCount} cores, XFS loop filesystem; reference: a {Size(dataBytes)} volume full of data");

            idlePeak = (await RunPhaseInChildAsync(new PhaseSpec { Phase = "idle" })).PeakBytes;
            var volumes = new List<(string Name, long Size)> { ("huge", volumeBytes) };
            if (reference) volumes.Add(("reference", dataBytes));
            var specs = new Dictionary<string, PhaseSpec>();
            foreach (var (name, size) in volumes)
            {
                var clock = Stopwatch.StartNew();
                specs[name] = await PrepareAsync(Path.Combine(mountPoint, name), size, dataBytes, chunkSize);
                Console.WriteLine($"  prepared {name} ({Size(size)}): {clock.Elapsed.TotalSeconds:0.0} s");
            }
            // Each step on both volumes back to back, so that both see the same load on a shared machine.
            foreach (var phase in Phases.Where(p => !skip.Contains(p)))
            {
                foreach (var (name, _) in volumes)
                {
                    Tool.Run("sync");
                    File.WriteAllText("/proc/sys/vm/drop_caches", "3");
                    var result = await RunPhaseInChildAsync(specs[name] with { Phase = phase });
                    specs[name] = Remember(specs[name], result);
                    await CheckAsync(specs[name], result);
                    results.Add((name, result));
                    Console.WriteLine($"  {name,-9} {phase,-17} {result.Seconds,8:0.00} s  peak {Mib(result.PeakBytes),10}  {result.Note}");
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine($"  runtime floor (an idle child): peak {Mib(idlePeak)}");
        Console.WriteLine($"  {"step",-17}  {"huge: time",12}  {"peak memory",12}  {"reference: time",15}  {"time ratio",10}  goal");
        foreach (var phase in Phases.Where(p => !skip.Contains(p)))
        {
            var huge = results.First(r => r.Volume == "huge" && r.Result.Phase == phase).Result;
            var small = results.FirstOrDefault(r => r.Volume == "reference" && r.Result.Phase == phase).Result;
            var ratio = small is null ? "" : $"{huge.Seconds / Math.Max(small.Seconds, 0.001):0.00}x";
            Console.WriteLine($"  {phase,-17}  {huge.Seconds,10:0.00} s  {Mib(huge.PeakBytes),12}  {(small is null ? "" : $"{small.Seconds:0.00} s"),15}  {ratio,10}  peak <= 300 MiB");
        }
        foreach (var (name, result) in results.Where(r => r.Result.ManifestBytes > 0))
            Console.WriteLine($"  manifest of the {name} volume's {result.Phase}: {result.ManifestBytes:N0} bytes{(name == "huge" ? "  (goal <= 1 MiB)" : "")}");
        return 0;
    }

    /// <summary>
    /// Through the engine: a directory backend and an empty repository registered, a volume with data in extents
    /// spread over it (written through the driver), snapshot S1; a few changes, snapshot S2.
    /// </summary>
    private static async Task<PhaseSpec> PrepareAsync(string root, long volumeBytes, long dataBytes, int chunkSize)
    {
        await using var bench = await BenchEngine.CreateAsync(root, chunkSize);
        var volume = await bench.NewVolumeAsync("scale", volumeBytes);
        var random = new Random(11);
        var extent = dataBytes / Extents;
        await using var driver = await bench.OpenDriverAsync();
        await using (var writer = await BenchEngine.OpenWriterAsync(driver, volume))
        {
            var buffer = new byte[4 << 20];
            for (var i = 0; i < Extents; i++)
            {
                // Spread over the whole volume, 1 MiB-aligned but not chunk-aligned (a reference volume is full).
                var start = Math.Min(volumeBytes - extent, (volumeBytes - extent) / (Extents - 1) * i / (1 << 20) * (1 << 20) + (1 << 20));
                for (long done = 0; done < extent; done += buffer.Length)
                {
                    random.NextBytes(buffer);
                    await writer.WriteAsync(start + done, buffer.AsMemory(0, (int)Math.Min(buffer.Length, extent - done)), CancellationToken.None);
                }
            }
            await writer.FlushAsync(CancellationToken.None);
        }
        var s1 = await bench.SnapshotAsync(volume, "S1");

        // About 1 % of the data changes, in 256 KiB blocks inside the data.
        await using (var writer = await BenchEngine.OpenWriterAsync(driver, volume))
        {
            var allocated = SparseRanges(volume.Location!);
            var block = new byte[256 << 10];
            for (var i = 0; i < dataBytes / 100 / block.Length; i++)
            {
                var range = allocated[random.Next(allocated.Count)];
                random.NextBytes(block);
                await writer.WriteAsync(range.Offset + random.NextInt64(range.Length - block.Length) / 4096 * 4096, block, CancellationToken.None);
            }
            await writer.FlushAsync(CancellationToken.None);
        }
        var s2 = await bench.SnapshotAsync(volume, "S2");
        return new PhaseSpec { Phase = "", Root = root, VolumeLocation = volume.Location, S1 = s1.Id, S1Location = s1.Location, S2 = s2.Id };
    }

    private static PhaseSpec Remember(PhaseSpec spec, PhaseResult result) => result.Phase switch
    {
        "copy" => spec with { FullCopy = result.CopyId },
        "incremental-copy" => spec with { IncrementalCopy = result.CopyId },
        "restore-new" => spec with { Restored = result.Location },
        _ => spec,
    };

    /// <summary>What each step must have produced: the same bytes as the snapshot, a valid copy.</summary>
    private static Task CheckAsync(PhaseSpec spec, PhaseResult result)
    {
        switch (result.Phase)
        {
            case "restore-new":
                SparseEqual(spec.S1Location!, result.Location!);
                break;
            case "restore-in-place":
                SparseEqual(spec.S1Location!, spec.VolumeLocation!);
                break;
            case "verify" or "verify-source" when !result.Note.StartsWith("valid", StringComparison.Ordinal):
                throw new InvalidOperationException($"{result.Phase}: {result.Note}");
        }
        return Task.CompletedTask;
    }

    // ---- the child side ----

    /// <summary>The hidden suite: runs one step, prints its result, and waits for the parent to read its memory.</summary>
    public static async Task<int> RunPhaseAsync(string[] args)
    {
        var spec = JsonSerializer.Deserialize<PhaseSpec>(await File.ReadAllTextAsync(args[0]), Json)!;
        var clock = Stopwatch.StartNew();
        var result = new PhaseResult { Phase = spec.Phase };
        if (spec.Phase != "idle")
        {
            await using var bench = await BenchEngine.OpenAsync(spec.Root!);
            var engine = bench.Engine;
            var context = BenchEngine.Context;
            result = spec.Phase switch
            {
                "copy" => await CopyAsync(bench, spec.S1!),
                "incremental-copy" => await CopyAsync(bench, spec.S2!),
                "verify" => Verified(await engine.TestSnapshotCopyAsync(spec.FullCopy!, compareWithSource: false, context)),
                "verify-source" => Verified(await engine.TestSnapshotCopyAsync(spec.FullCopy!, compareWithSource: true, context)),
                "restore-new" => new PhaseResult
                {
                    Location = (await engine.NewVolumeFromCopyAsync(new NewVolumeFromCopyRequest("restored", spec.FullCopy!), context))!.Location,
                },
                "restore-in-place" => new PhaseResult
                {
                    Note = $"restored {(await engine.RestoreSnapshotFromCopyAsync(spec.FullCopy!, context))!.Name} in place, guarded by a safety snapshot",
                },
                "collect" => await CollectAsync(bench, spec),
                _ => throw new ArgumentException($"unknown phase {spec.Phase}"),
            };
            result = result with { Phase = spec.Phase };
        }
        result = result with { Seconds = clock.Elapsed.TotalSeconds };
        Console.Out.WriteLine("RESULT " + JsonSerializer.Serialize(result, Json));
        Console.Out.Flush();
        await Console.In.ReadToEndAsync(); // the parent reads VmHWM now, then closes stdin
        return 0;
    }

    /// <summary>Copy-SnapshotToSecondary: in full for S1; for S2 the engine takes S1's copy as the base and the driver's changed ranges.</summary>
    private static async Task<PhaseResult> CopyAsync(BenchEngine bench, string snapshotId)
    {
        var copy = (await bench.Engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(new SnapshotSelector(Id: snapshotId), BenchEngine.Destination), BenchEngine.Context))!;
        return new PhaseResult
        {
            CopyId = copy.Id,
            ManifestBytes = bench.ManifestBytes(copy.Id),
            Note = $"read {Mib(copy.BytesRead)}, wrote {Mib(copy.BytesWritten)}" + (copy.BaseCopyId is null ? "" : $", incremental from {copy.BaseCopyId}"),
        };
    }

    private static PhaseResult Verified(SnapshotCopyTest test) => new()
    {
        Note = (test.Valid ? "valid" : "INVALID: " + string.Join("; ", test.Mismatches.Take(3))) + $", {test.ChunksChecked} chunks, {Mib(test.BytesChecked)} re-hashed",
    };

    /// <summary>Remove-SnapshotCopy of the incremental copy with no grace period: its own chunks are collected.</summary>
    private static async Task<PhaseResult> CollectAsync(BenchEngine bench, PhaseSpec spec)
    {
        await bench.Engine.RemoveSnapshotCopyAsync(spec.IncrementalCopy!, BenchEngine.Context, gracePeriod: TimeSpan.Zero);
        var removed = (await bench.Engine.Inventory.ListEventsAsync(0, int.MaxValue, CancellationToken.None)).Last(e => e.Kind == EventKind.CopyDeleted);
        return new PhaseResult { Note = $"removed the incremental copy, {Mib(removed.Bytes ?? 0)} freed: {removed.Message}" };
    }

    // ---- plumbing ----

    private static async Task<PhaseResult> RunPhaseInChildAsync(PhaseSpec spec)
    {
        var specFile = Path.Combine(Path.GetTempPath(), $"storagesnapshot-scalebench-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(specFile, JsonSerializer.Serialize(spec, Json));
        try
        {
            var self = Environment.ProcessPath!;
            var info = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            if (Path.GetFileNameWithoutExtension(self) == "dotnet") info.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
            info.ArgumentList.Add(PhaseSuite);
            info.ArgumentList.Add(specFile);
            using var child = Process.Start(info) ?? throw new InvalidOperationException("the child did not start");
            var errors = child.StandardError.ReadToEndAsync();
            string? line;
            while ((line = await child.StandardOutput.ReadLineAsync()) is not null && !line.StartsWith("RESULT ", StringComparison.Ordinal)) { }
            if (line is null)
            {
                await child.WaitForExitAsync();
                throw new InvalidOperationException($"step {spec.Phase} failed: {await errors}");
            }
            var peak = PeakResidentBytes(child.Id);
            child.StandardInput.Close();
            await child.WaitForExitAsync();
            return JsonSerializer.Deserialize<PhaseResult>(line["RESULT ".Length..], Json)! with { PeakBytes = peak };
        }
        finally
        {
            File.Delete(specFile);
        }
    }

    /// <summary>VmHWM of a live process: its peak resident set since it started.</summary>
    private static long PeakResidentBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>Compares two sparse files byte for byte where either holds data; elsewhere both read as zeros.</summary>
    private static void SparseEqual(string expected, string actual)
    {
        if (new FileInfo(expected).Length != new FileInfo(actual).Length) throw new InvalidOperationException($"{actual} has another size than {expected}");
        var ranges = SparseRanges(expected).Concat(SparseRanges(actual)).OrderBy(r => r.Offset).ToList();
        using var a = File.OpenHandle(expected);
        using var b = File.OpenHandle(actual);
        var x = new byte[1 << 20];
        var y = new byte[1 << 20];
        foreach (var range in ranges)
        {
            for (var offset = range.Offset; offset < range.End; offset += x.Length)
            {
                var n = (int)Math.Min(x.Length, range.End - offset);
                if (RandomAccess.Read(a, x.AsSpan(0, n), offset) != n || RandomAccess.Read(b, y.AsSpan(0, n), offset) != n
                    || !x.AsSpan(0, n).SequenceEqual(y.AsSpan(0, n)))
                {
                    throw new InvalidOperationException($"{actual} differs from {expected} near offset {offset}");
                }
            }
        }
    }

    private static List<ByteRange> SparseRanges(string path)
    {
        using var handle = File.OpenHandle(path);
        var length = RandomAccess.GetLength(handle);
        var ranges = new List<ByteRange>();
        for (long position = 0; position < length;)
        {
            var data = LSeek(handle, position, 3);
            if (data < 0) break;
            var hole = LSeek(handle, data, 4);
            ranges.Add(new ByteRange(data, hole - data));
            position = hole;
        }
        return ranges;
    }

    [DllImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static extern long LSeekNative(int fd, long offset, int whence);

    private static long LSeek(SafeFileHandle handle, long offset, int whence) => LSeekNative((int)handle.DangerousGetHandle(), offset, whence);

    private static string Size(long bytes) => bytes >= 1L << 40 ? $"{bytes >> 40} TiB" : bytes >= 1L << 30 ? $"{bytes >> 30} GiB" : $"{bytes >> 20} MiB";

    /// <summary>What a child is asked to do (serialized to a file).</summary>
    internal sealed record PhaseSpec
    {
        public string Phase { get; init; } = "";
        public string? Root { get; init; }
        public string? VolumeLocation { get; init; }
        public string? S1 { get; init; }
        public string? S1Location { get; init; }
        public string? S2 { get; init; }
        public string? FullCopy { get; init; }
        public string? IncrementalCopy { get; init; }
        public string? Restored { get; init; }
    }

    /// <summary>What a child reports; the parent adds the peak memory.</summary>
    internal sealed record PhaseResult
    {
        public string Phase { get; init; } = "";
        public double Seconds { get; init; }
        public long PeakBytes { get; init; }
        public string? CopyId { get; init; }
        public long ManifestBytes { get; init; }
        public string? Location { get; init; }
        public string Note { get; init; } = "";
    }
}
