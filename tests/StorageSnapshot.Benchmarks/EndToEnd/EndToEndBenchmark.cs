using System.Diagnostics;
using System.Globalization;
using static StorageSnapshot.Benchmarks.Support.BenchmarkArguments;

namespace StorageSnapshot.Benchmarks.EndToEnd;

/// <summary>
/// What users run, side by side with what they would otherwise run: the cmdlets in a real pwsh 7.6.10 (one
/// process per step, start-up included), restic, borg and <c>cp --reflink=never</c> + <c>sync</c>, on the same
/// random volume on a fresh XFS loop filesystem, every step cold (sync + drop_caches before it, then the tool's own program files loaded again: cold data, warm program). Steps: full
/// backup, restore into a new volume/file, full verification, incremental backups after 1, 5 and 10 % of the 4 MiB
/// blocks changed. <c>dd</c> direct reads and writes of the same filesystem measure what the device allows, in the
/// same run. Prints the medians of the runs and the issue-11 goals, met or not.
/// Usage: e2e [--size-mib N (2048)] [--runs N (3)] [--module PATH (a built StorageSnapshot.psd1; default: build the clone's)]
/// [--pwsh-il (pwsh as the dotnet tool ships it, not ReadyToRun: see <see cref="ReadyToRunPwsh"/>)]. Root only (loop devices, drop_caches); installs restic,
/// borgbackup and time with apt-get when they are missing, and builds the module (Release).
/// </summary>
internal static class EndToEndBenchmark
{
    public const string FullLabel = "full";
    private static readonly int[] ChangePercents = [1, 5, 10];
    private const int BlockSize = 4 << 20;

    public static async Task<int> RunAsync(string[] args)
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            Console.Error.WriteLine("e2e: needs Linux and root (loop devices, drop_caches).");
            return 64;
        }
        var size = long.Parse(Option(args, "--size-mib") ?? "2048", CultureInfo.InvariantCulture) << 20;
        var runs = int.Parse(Option(args, "--runs") ?? "3", CultureInfo.InvariantCulture);
        var total = Stopwatch.StartNew();

        var repositoryRoot = FindRepositoryRoot();
        Phase("setup: apt-get install restic borgbackup time (when missing)", () => InstallTools());
        var manifest = PowerShellHost.ModuleManifest(repositoryRoot, Option(args, "--module"));
        string pwsh = "";
        Phase("setup: dotnet tool restore (pwsh 7.6.10)", () => pwsh = PowerShellHost.FindPwsh(repositoryRoot));
        pwsh = ReadyToRunPwsh.Choose(repositoryRoot, pwsh, args);
        Console.WriteLine($"e2e benchmark: {size >> 20} MiB volume of random data, {runs} run(s), {Environment.ProcessorCount} cores, " +
            $"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at start; {Tool.Run("restic", "version").Trim()}; {Tool.Run("borg", "--version").Trim()}");

        var results = new List<RunResult>();
        for (var run = 1; run <= runs; run++)
        {
            var clock = Stopwatch.StartNew();
            results.Add(await RunOnceAsync(pwsh, manifest, size, seed: run));
            Console.WriteLine($"run {run}/{runs}: {clock.Elapsed.TotalSeconds:0} s");
        }

        Report.Print(size, results);
        Console.WriteLine($"e2e benchmark: {total.Elapsed.TotalSeconds:0} s in all");
        return 0;
    }

    private static Task<RunResult> RunOnceAsync(string pwshPath, string manifest, long size, int seed)
    {
        // Room for the volume, its snapshots' changes, one restored image per tool at a time, and three repositories.
        using var filesystem = PerfLoopFilesystem.Create(10 * size + (1L << 30), LoopFilesystemKind.XfsReflink);
        var layout = new RunLayout(Path.Combine(filesystem.MountPoint, "run"));
        var result = new RunResult();
        var pwsh = PowerShellHost.Create(pwshPath, manifest, layout.Directory("home"), new Dictionary<string, string>
        {
            ["BENCH_VOLUMES"] = layout.Directory("volumes"),
            ["BENCH_REPO"] = layout.Directory("storagesnapshot-repo"),
        });
        layout.Directory("source");

        var volume = pwsh.Run($"Register-StorageBackend -Name lab -Driver directory -Property @{{ Path = $env:BENCH_VOLUMES }}; " +
                              $"(New-StorageVolume -Backend lab -Name vol -SizeBytes {size}).Location").Trim();
        var random = new Random(seed);
        WriteBlocks(volume, size, Enumerable.Range(0, (int)(size / BlockSize)), random);

        IContender[] contenders = [new StorageSnapshotContender(pwsh), new ResticContender(layout), new BorgContender(layout), new CopyContender(layout)];
        foreach (var contender in contenders) contender.Setup();

        // The device's limits, in this run: direct I/O around the page cache.
        Tool.DropCaches();
        result.DeviceRead = Tool.Timed("dd", [$"if={volume}", "of=/dev/null", $"bs={BlockSize}", "iflag=direct"]).Elapsed;
        var ddFile = Path.Combine(layout.Root, "dd.img");
        result.DeviceWrite = Tool.Timed("dd", ["if=/dev/zero", $"of={ddFile}", $"bs={BlockSize}", $"count={size / BlockSize}", "oflag=direct", "conv=fsync"]).Elapsed;
        File.Delete(ddFile);
        result.PwshStart = Cold(contenders[0], () => pwsh.Timed("Get-StorageBackend | Out-Null")).Elapsed;

        Snapshot(pwsh, layout, FullLabel);
        Console.WriteLine(Step.Full.Name);
        foreach (var contender in contenders) result.Add(Step.Full, contender, Cold(contender, () => contender.Backup(FullLabel)));

        Console.WriteLine(Step.Restore.Name);
        foreach (var contender in contenders)
        {
            var (timing, image) = Cold(contender, () => contender.Restore(FullLabel));
            result.Add(Step.Restore, contender, timing);
            Tool.Run("cmp", layout.Source, image); // the restored image is the snapshot, byte for byte
            if (contender is not StorageSnapshotContender) File.Delete(image);
        }
        pwsh.Run($"Remove-StorageVolume restored-{FullLabel} -Backend lab -Confirm:$false");

        Console.WriteLine(Step.Verify.Name);
        foreach (var contender in contenders)
        {
            result.Add(Step.Verify, contender, Cold(contender, () => contender.Verify(FullLabel)));
        }

        foreach (var percent in ChangePercents)
        {
            var blocks = (int)(size / BlockSize);
            var changed = Enumerable.Range(0, blocks).OrderBy(_ => random.Next()).Take(Math.Max(1, blocks * percent / 100)).Order();
            WriteBlocks(volume, size, changed, random);
            var label = $"inc{percent}";
            Snapshot(pwsh, layout, label);
            Console.WriteLine(Step.Incremental(percent).Name);
            foreach (var contender in contenders.Where(c => c is not CopyContender))
                result.Add(Step.Incremental(percent), contender, Cold(contender, () => contender.Backup(label)));
        }
        return Task.FromResult(result);
    }

    /// <summary>Untimed: a snapshot named <paramref name="label"/>, and the stable path the other tools back up made a reflink of it.</summary>
    private static void Snapshot(PowerShellHost pwsh, RunLayout layout, string label)
    {
        var location = pwsh.Run($"(New-StorageSnapshot -Volume vol -Backend lab -Name {label}).Location").Trim();
        Tool.Run("cp", "--reflink=always", location, layout.Source);
    }

    /// <summary>Drops the caches, loads the tool's program files again, then runs the step: cold data, warm program.</summary>
    private static T Cold<T>(IContender contender, Func<T> step)
    {
        Tool.DropCaches();
        contender.WarmUp();
        var clock = Stopwatch.StartNew();
        var result = step();
        Console.WriteLine($"  {contender.Name}: {clock.Elapsed.TotalSeconds:0.00} s");
        return result;
    }

    /// <summary>Writes fresh random data over the given 4 MiB blocks of the image and flushes it.</summary>
    private static void WriteBlocks(string image, long size, IEnumerable<int> blocks, Random random)
    {
        using var file = new FileStream(image, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        var buffer = new byte[BlockSize];
        foreach (var block in blocks)
        {
            random.NextBytes(buffer);
            var offset = (long)block * BlockSize;
            file.Position = offset;
            file.Write(buffer, 0, (int)Math.Min(BlockSize, size - offset));
        }
        file.Flush(flushToDisk: true);
    }

    private static void InstallTools()
    {
        var missing = new[] { ("restic", "restic"), ("borg", "borgbackup"), ("/usr/bin/time", "time") }
            .Where(t => !File.Exists(t.Item1.StartsWith('/') ? t.Item1 : $"/usr/bin/{t.Item1}")).Select(t => t.Item2).ToArray();
        if (missing.Length == 0) return;
        Tool.Run("apt-get", ["install", "-y", "--no-install-recommends", .. missing], new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" });
    }

    /// <summary>Builds the module in Release: out/StorageSnapshot is what Import-Module ./StorageSnapshot.psd1 loads.</summary>
    internal static void BuildModule(string repositoryRoot) =>
        Tool.Run("dotnet", ["build", Path.Combine(repositoryRoot, "src", "StorageSnapshot", "StorageSnapshot.csproj"), "-c", "Release", "--nologo", "-v", "q"]);

    internal static void Phase(string what, Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        Console.WriteLine($"{what}: {clock.Elapsed.TotalSeconds:0.0} s");
    }

    internal static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "StorageSnapshot.sln"))) return directory.FullName;
        }
        throw new InvalidOperationException("Run the benchmark from the repository (no StorageSnapshot.sln above it).");
    }
}
