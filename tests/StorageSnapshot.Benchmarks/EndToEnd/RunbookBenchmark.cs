using System.Diagnostics;
using System.Globalization;
using static StorageSnapshot.Benchmarks.Support.BenchmarkArguments;

namespace StorageSnapshot.Benchmarks.EndToEnd;

/// <summary>
/// The nightly runbook at scale, as a scheduler runs it: one pwsh process doing
/// <c>Get-StorageVolume -Backend lab | New-StorageSnapshot | Copy-SnapshotToSecondary -Destination d</c> over many
/// small volumes of random data on a reflink (XFS) directory backend, cold, against the raw work on the same
/// filesystem (<c>cp --reflink=always</c> of every image — the snapshots — then <c>cp --reflink=never</c> of them
/// and <c>sync</c> — the copies). The difference, less pwsh's start-up, divided by the volume count is the
/// per-volume overhead. A second night (nothing changed: incremental copies) shows the steady state.
/// Usage: runbook [--volumes N (1000)] [--volume-mib N (64)] [--module PATH] [--pwsh-il]. Root only. Needs about 2 × N × size of disk.
/// </summary>
internal static class RunbookBenchmark
{
    public static Task<int> RunAsync(string[] args)
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            Console.Error.WriteLine("runbook: needs Linux and root (loop devices, drop_caches).");
            return Task.FromResult(64);
        }
        var volumes = int.Parse(Option(args, "--volumes") ?? "1000", CultureInfo.InvariantCulture);
        var volumeSize = long.Parse(Option(args, "--volume-mib") ?? "64", CultureInfo.InvariantCulture) << 20;
        var repositoryRoot = EndToEndBenchmark.FindRepositoryRoot();
        var manifest = PowerShellHost.ModuleManifest(repositoryRoot, Option(args, "--module"));
        var pwshPath = ReadyToRunPwsh.Choose(repositoryRoot, PowerShellHost.FindPwsh(repositoryRoot), args);
        Console.WriteLine($"runbook benchmark: {volumes} volumes of {volumeSize >> 20} MiB random data, {Environment.ProcessorCount} cores, " +
                          $"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at start");

        using var filesystem = PerfLoopFilesystem.Create(3 * volumes * volumeSize + (2L << 30), LoopFilesystemKind.XfsReflink);
        var layout = new RunLayout(Path.Combine(filesystem.MountPoint, "run"));
        var backend = layout.Directory("volumes");
        var pwsh = PowerShellHost.Create(pwshPath, manifest, layout.Directory("home"), new Dictionary<string, string>
        {
            ["BENCH_VOLUMES"] = backend,
            ["BENCH_REPO"] = layout.Directory("storagesnapshot-repo"),
        });

        var clock = Stopwatch.StartNew();
        var images = pwsh.Run("Register-StorageBackend -Name lab -Driver directory -Property @{ Path = $env:BENCH_VOLUMES } | Out-Null; " +
                              "Register-SecondaryStorage -Name d -Path $env:BENCH_REPO | Out-Null; " +
                              $"1..{volumes} | ForEach-Object {{ (New-StorageVolume -Backend lab -Name ('v{{0:d5}}' -f $_) -SizeBytes {volumeSize}).Location }}")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var random = new Random(1);
        var buffer = new byte[(int)Math.Min(volumeSize, 4 << 20)];
        foreach (var image in images)
        {
            using var file = new FileStream(image, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
            for (long offset = 0; offset < volumeSize; offset += buffer.Length)
            {
                random.NextBytes(buffer);
                file.Write(buffer, 0, (int)Math.Min(buffer.Length, volumeSize - offset));
            }
            file.Flush(flushToDisk: true);
        }
        Console.WriteLine($"setup: {images.Length} volumes created and filled: {clock.Elapsed.TotalSeconds:0} s");

        var start = Cold(() => pwsh.Timed("Get-StorageBackend | Out-Null"), pwsh).Elapsed;
        const string Runbook = "Get-StorageVolume -Backend lab | New-StorageSnapshot | Copy-SnapshotToSecondary -Destination d | Out-Null";
        var first = Cold(() => pwsh.Timed(Runbook), pwsh);
        Console.WriteLine($"first night (full copies): {first.Elapsed.TotalSeconds:0.0} s");
        var second = Cold(() => pwsh.Timed(Runbook), pwsh);
        Console.WriteLine($"second night (nothing changed): {second.Elapsed.TotalSeconds:0.0} s");

        // The raw work of the first night: a reflink per volume, then a full copy of every image and one sync.
        var snapshots = layout.Directory("raw-snapshots");
        var copies = layout.Directory("raw-copies");
        var imagesAtOnce = images.Chunk(500).ToArray(); // argument lists stay short
        var raw = Cold(() =>
        {
            var timing = new Timing(TimeSpan.Zero, 0);
            foreach (var batch in imagesAtOnce) timing += Tool.Timed("cp", ["--reflink=always", .. batch, snapshots]);
            var reflinked = images.Select(i => Path.Combine(snapshots, Path.GetFileName(i))).ToArray();
            foreach (var batch in reflinked.Chunk(500)) timing += Tool.Timed("cp", ["--reflink=never", .. batch, copies]);
            return timing + Tool.Timed("sync", []);
        }, null);
        // The raw work of a night when nothing changed: the reflinks alone.
        var rawSecond = Cold(() =>
        {
            var again = layout.Directory("raw-snapshots-2");
            var timing = new Timing(TimeSpan.Zero, 0);
            foreach (var batch in imagesAtOnce) timing += Tool.Timed("cp", ["--reflink=always", .. batch, again]);
            return timing + Tool.Timed("sync", []);
        }, null);

        Console.WriteLine();
        Console.WriteLine($"| night | runbook (one pwsh) | raw work | overhead per volume (runbook − pwsh start {start.TotalSeconds:0.00} s − raw) / {volumes} | runbook peak RSS |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var (night, runbook, work) in new[] { ("first (full copies)", first, raw), ("second (nothing changed)", second, rawSecond) })
        {
            var perVolume = (runbook.Elapsed - start - work.Elapsed).TotalMilliseconds / volumes;
            Console.WriteLine($"| {night} | {runbook.Elapsed.TotalSeconds:0.0} s | {work.Elapsed.TotalSeconds:0.0} s | {perVolume:0.0} ms (goal <= 20 ms) | {runbook.PeakRssBytes / (double)(1 << 20):0} MiB |");
        }
        return Task.FromResult(0);
    }

    private static Timing Cold(Func<Timing> step, PowerShellHost? warm)
    {
        Tool.DropCaches();
        warm?.Run("Get-StorageBackend | Out-Null");
        return step();
    }
}
