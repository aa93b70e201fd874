using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Drivers.Directory;
using StorageSnapshot.Engine.Secondary;
using StorageSnapshot.Engine.Secondary.Copy;
using StorageSnapshot.Engine.Secondary.Maintenance;
using StorageSnapshot.Engine.Secondary.Repository;
using StorageSnapshot.Engine.Secondary.Restore;
using StorageSnapshot.Engine.Secondary.Verify;

namespace StorageSnapshot.Benchmarks;

/// <summary>
/// Copies of huge sparse volumes: memory, manifest size and time must follow the data, not the volume's size.
/// A sparse volume (64 TiB by default) holding a little data (1 GiB, in 16 extents spread over the whole volume,
/// not chunk-aligned) goes through every secondary-storage step — full copy, incremental copy (changed ranges),
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
/// Needs root (an XFS loop filesystem under /tmp/storagesnapshot-scalebench-*: ext4 cannot hold a file over
/// 16 TiB). Usage: scale [--volume-gib N] [--data-mib N] [--chunk-mib N] [--skip phase,phase] [--no-reference]
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

        var loopImage = Path.Combine(Path.GetTempPath(), $"storagesnapshot-scalebench-{Guid.NewGuid():N}.img");
        string? loopDevice = null, mountPoint = null;
        var results = new List<(string Volume, PhaseResult Result)>();
        long idlePeak;
        try
        {
            using (var file = new FileStream(loopImage, FileMode.CreateNew)) file.SetLength(8 * dataBytes + (8L << 30));
            loopDevice = Run("losetup", "-f", "--show", loopImage).Trim();
            Run("mkfs.xfs", "-f", "-q", "-m", "reflink=1", loopDevice);
            mountPoint = Directory.CreateTempSubdirectory("storagesnapshot-scalebench-mnt-").FullName;
            Run("mount", loopDevice, mountPoint);
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
                    Run("sync");
                    File.WriteAllText("/proc/sys/vm/drop_caches", "3");
                    var result = await RunPhaseInChildAsync(specs[name] with { Phase = phase });
                    specs[name] = Remember(specs[name], result);
                    await CheckAsync(specs[name], result);
                    results.Add((name, result));
                    Console.WriteLine($"  {name,-9} {phase,-17} {result.Seconds,8:0.00} s  peak {Mib(result.PeakBytes),10}  {result.Note}");
                }
            }
        }
        finally
        {
            if (mountPoint is not null) { Run("umount", mountPoint); Directory.Delete(mountPoint); }
            if (loopDevice is not null) Run("losetup", "-d", loopDevice);
            File.Delete(loopImage);
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

    /// <summary>A volume with data in extents spread over it, snapshot S1; a few changes, snapshot S2; an empty repository.</summary>
    private static async Task<PhaseSpec> PrepareAsync(string root, long volumeBytes, long dataBytes, int chunkSize)
    {
        var primary = Directory.CreateDirectory(Path.Combine(root, "primary")).FullName;
        var repository = Path.Combine(root, "repository");
        await (await FileSystemChunkStore.OpenOrCreateAsync(repository, new RepositoryFormat { ChunkSize = chunkSize }, CancellationToken.None)).DisposeAsync();
        await using var backend = await OpenBackendAsync(primary);
        var volume = await backend.CreateVolumeAsync("scale", volumeBytes, CancellationToken.None);
        var random = new Random(11);
        var extent = dataBytes / Extents;
        await using (var writer = await backend.OpenVolumeWriterAsync(volume, CancellationToken.None))
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
        var s1 = await backend.CreateSnapshotAsync(volume, "S1", CancellationToken.None);

        // About 1 % of the data changes, in 256 KiB blocks inside the data.
        await using (var writer = await backend.OpenVolumeWriterAsync(volume, CancellationToken.None))
        {
            var allocated = SparseRanges(volume.Location);
            var block = new byte[256 << 10];
            for (var i = 0; i < dataBytes / 100 / block.Length; i++)
            {
                var range = allocated[random.Next(allocated.Count)];
                random.NextBytes(block);
                await writer.WriteAsync(range.Offset + random.NextInt64(range.Length - block.Length) / 4096 * 4096, block, CancellationToken.None);
            }
            await writer.FlushAsync(CancellationToken.None);
        }
        var s2 = await backend.CreateSnapshotAsync(volume, "S2", CancellationToken.None);
        return new PhaseSpec { Phase = "", Primary = primary, Repository = repository, Volume = volume, S1 = s1, S2 = s2 };
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
                SparseEqual(spec.S1!.Location, result.Location!);
                break;
            case "restore-in-place":
                SparseEqual(spec.S1!.Location, spec.Volume!.Location);
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
        var output = new QuietOutput();
        var clock = Stopwatch.StartNew();
        var result = new PhaseResult { Phase = spec.Phase };
        if (spec.Phase != "idle")
        {
            await using var backend = await OpenBackendAsync(spec.Primary!);
            await using var store = await FileSystemChunkStore.OpenAsync(spec.Repository!, CancellationToken.None);
            result = spec.Phase switch
            {
                "copy" => await CopyAsync(backend, store, spec.S1!, "S1", null, null, output),
                "incremental-copy" => await CopyAsync(backend, store, spec.S2!, "S2", spec.FullCopy,
                    await backend.GetChangedRangesAsync(spec.S1!, spec.S2!, CancellationToken.None), output),
                "verify" => await VerifyAsync(store, spec.FullCopy!, null, output),
                "verify-source" => await VerifyAsync(store, spec.FullCopy!, await backend.OpenSnapshotReaderAsync(spec.S1!, CancellationToken.None), output),
                "restore-new" => new PhaseResult
                {
                    Location = (await new VolumeRestore(store).RestoreToNewVolumeAsync(backend, spec.FullCopy!, "restored", output, CancellationToken.None)).Location,
                },
                "restore-in-place" => await RestoreInPlaceAsync(backend, store, spec, output),
                "collect" => await CollectAsync(store, spec, output),
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

    private static async Task<PhaseResult> CopyAsync(IDriverBackend backend, IChunkStore store, DriverObject snapshot, string id,
        string? baseCopy, IReadOnlyList<ByteRange>? ranges, IOperationOutput output)
    {
        using var reader = await backend.OpenSnapshotReaderAsync(snapshot, CancellationToken.None);
        var copy = await new SnapshotCopier(store).CopyAsync(new CopyRequest
        {
            Source = reader,
            Identity = new CopySource { Backend = "bench", Volume = "scale", VolumeId = "scale", SnapshotId = id, SnapshotCreatedUtc = DateTime.UtcNow },
            BaseCopyId = baseCopy,
            ChangedRanges = ranges,
        }, output, CancellationToken.None);
        var s = copy.Statistics;
        return new PhaseResult
        {
            CopyId = copy.Manifest.CopyId,
            ManifestBytes = new FileInfo(Path.Combine(((FileSystemChunkStore)store).Root, "manifests", copy.Manifest.CopyId + ".manifest")).Length,
            Note = $"read {Mib(s.BytesRead)}, wrote {Mib(s.BytesWritten)}, {s.ChunksNew} new / {s.ChunksReused} reused / {s.ChunksZero} zero chunks" +
                   (copy.Incremental ? ", incremental" : ""),
        };
    }

    private static async Task<PhaseResult> VerifyAsync(IChunkStore store, string copyId, IBlockReader? source, IOperationOutput output)
    {
        using (source)
        {
            var verification = await new CopyVerifier(store).VerifyAsync(copyId, source, output, CancellationToken.None);
            return new PhaseResult
            {
                Note = (verification.IsValid ? "valid" : "INVALID: " + string.Join("; ", verification.Mismatches.Take(3))) +
                       $", {verification.ChunksChecked} chunks, {Mib(verification.BytesChecked)} re-hashed",
            };
        }
    }

    private static async Task<PhaseResult> RestoreInPlaceAsync(IDriverBackend backend, IChunkStore store, PhaseSpec spec, IOperationOutput output)
    {
        var result = await new VolumeRestore(store).RestoreInPlaceAsync(backend, spec.Volume!, spec.FullCopy!, output, CancellationToken.None);
        return new PhaseResult { Note = $"read {Mib(result.BytesRead)} from the repository" };
    }

    private static async Task<PhaseResult> CollectAsync(IChunkStore store, PhaseSpec spec, IOperationOutput output)
    {
        await store.DeleteManifestAsync(spec.IncrementalCopy!, CancellationToken.None);
        var collected = await new ChunkCollector(store).CollectAsync(TimeSpan.Zero, TimeSpan.FromSeconds(10), output, CancellationToken.None);
        return new PhaseResult { Note = $"removed the incremental copy: {collected.ChunksDeleted} chunks ({Mib(collected.BytesFreed)}) collected" };
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

    private static Task<IDriverBackend> OpenBackendAsync(string primary) =>
        new DirectoryDriver().OpenBackendAsync("bench", new Dictionary<string, string> { [DirectoryDriver.PathProperty] = primary }, CancellationToken.None);

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

    private static string Run(string tool, params string[] arguments)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{tool} did not start");
        var stdout = process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} failed: {stderr.Trim()}");
        return stdout;
    }

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private static string Mib(long bytes) => $"{bytes / (double)(1 << 20):0.0} MiB";

    private static string Size(long bytes) => bytes >= 1L << 40 ? $"{bytes >> 40} TiB" : bytes >= 1L << 30 ? $"{bytes >> 30} GiB" : $"{bytes >> 20} MiB";

    /// <summary>What a child is asked to do (serialized to a file).</summary>
    internal sealed record PhaseSpec
    {
        public string Phase { get; init; } = "";
        public string? Primary { get; init; }
        public string? Repository { get; init; }
        public DriverObject? Volume { get; init; }
        public DriverObject? S1 { get; init; }
        public DriverObject? S2 { get; init; }
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

    private sealed class QuietOutput : IOperationOutput
    {
        public void WriteVerbose(string message) { }
        public void WriteWarning(string message) => Console.Error.WriteLine("warning: " + message);
        public void WriteProgress(ProgressInfo progress) { }
        public void WriteError(StorageSnapshotException error) => Console.Error.WriteLine("error: " + error.Message);
    }
}
