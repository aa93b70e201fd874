namespace StorageSnapshot.Benchmarks.EndToEnd;

/// <summary>
/// One tool doing the benchmark's steps on the same data. Backups are named by a label (full, inc1, ...); the
/// harness has already taken the snapshot of that name and made <see cref="RunLayout.Source"/> a reflink of it.
/// Every timed step ends with <c>sync</c> (for the backup tools that do not fsync themselves, so that every
/// figure is "the bytes are on disk").
/// </summary>
internal interface IContender
{
    string Name { get; }

    /// <summary>Untimed: creates the empty repository.</summary>
    void Setup();

    /// <summary>
    /// Untimed, after the caches are dropped: loads the tool's own program files (pwsh and the module are ~100 MB of
    /// assemblies, borg is Python), so that "cold" means the data, as for a tool a host runs every night.
    /// </summary>
    void WarmUp();

    Timing Backup(string label);

    /// <summary>Restores backup <paramref name="label"/>; returns the timing and the restored image's path.</summary>
    (Timing Timing, string Image) Restore(string label);

    /// <summary>Reads and checks every byte of backup <paramref name="label"/> (the tools that cannot pick one check the whole repository).</summary>
    Timing Verify(string label);
}

/// <summary>The paths of one run, all on the loop filesystem.</summary>
internal sealed record RunLayout(string Root)
{
    /// <summary>A reflink of the current snapshot: what restic, borg and cp back up (one stable path, as they expect).</summary>
    public string Source => Path.Combine(Root, "source", "volume.img");

    public string Directory(string name) => System.IO.Directory.CreateDirectory(Path.Combine(Root, name)).FullName;
}

/// <summary>The module's cmdlets, each step one pwsh process: what a user or a scheduled runbook runs.</summary>
internal sealed class StorageSnapshotContender(PowerShellHost pwsh) : IContender
{
    public string Name => "StorageSnapshot";

    public void Setup() => pwsh.Run("Register-SecondaryStorage -Name repo -Path $env:BENCH_REPO | Out-Null");

    public void WarmUp() => pwsh.Run("Get-StorageBackend | Out-Null");

    public Timing Backup(string label) =>
        pwsh.Timed($"Get-StorageSnapshot -Name {label} -Volume vol -Backend lab | Copy-SnapshotToSecondary -Destination repo | Out-Null");

    public (Timing Timing, string Image) Restore(string label)
    {
        var timing = pwsh.Timed($"Get-SnapshotCopy {label} -Destination repo -Volume vol | New-StorageVolume -Name restored-{label} -Backend lab | Out-Null") + Sync();
        return (timing, pwsh.Run($"(Get-StorageVolume restored-{label} -Backend lab).Location").Trim());
    }

    public Timing Verify(string label) =>
        pwsh.Timed($"Get-SnapshotCopy {label} -Destination repo -Volume vol | Test-SnapshotCopy | ForEach-Object {{ if (-not $_.Valid) {{ throw 'copy invalid' }} }}");

    internal static Timing Sync() => Tool.Timed("sync", []);
}

/// <summary>restic (Debian's), a local repository; restic always encrypts, so a fixed password.</summary>
internal sealed class ResticContender(RunLayout layout) : IContender
{
    private readonly string _repository = layout.Directory("restic-repo");
    private readonly Dictionary<string, string> _environment = new()
    {
        ["RESTIC_PASSWORD"] = "benchmark",
        ["RESTIC_CACHE_DIR"] = layout.Directory("restic-cache"),
    };

    public string Name => "restic";

    public void Setup() => Tool.Run("restic", ["-r", _repository, "init"], _environment);

    public void WarmUp() => Tool.Run("restic", "version");

    public Timing Backup(string label) =>
        Tool.Timed("restic", ["-r", _repository, "backup", "--host", "bench", "--tag", label, layout.Source], _environment) + StorageSnapshotContender.Sync();

    public (Timing Timing, string Image) Restore(string label)
    {
        var target = layout.Directory($"restic-restore-{label}");
        var timing = Tool.Timed("restic", ["-r", _repository, "restore", "latest", "--host", "bench", "--tag", label, "--target", target], _environment)
                     + StorageSnapshotContender.Sync();
        return (timing, Path.Combine(target, layout.Source.TrimStart('/')));
    }

    public Timing Verify(string label) => Tool.Timed("restic", ["-r", _repository, "check", "--read-data"], _environment);
}

/// <summary>borg 1.2 (Debian's), a local repository without encryption, lz4 (its default compression).</summary>
internal sealed class BorgContender(RunLayout layout) : IContender
{
    private readonly string _repository = Path.Combine(layout.Root, "borg-repo");
    private readonly Dictionary<string, string> _environment = new()
    {
        ["BORG_BASE_DIR"] = layout.Directory("borg-base"),
        ["BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK"] = "yes",
        ["BORG_RELOCATED_REPO_ACCESS_IS_OK"] = "yes",
    };

    public string Name => "borg";

    public void Setup() => Tool.Run("borg", ["init", "--encryption", "none", _repository], _environment);

    public void WarmUp() => Tool.Run("borg", ["--version"], _environment);

    public Timing Backup(string label) =>
        Tool.Timed("borg", ["create", "--compression", "lz4", $"{_repository}::{label}", layout.Source], _environment) + StorageSnapshotContender.Sync();

    public (Timing Timing, string Image) Restore(string label)
    {
        var target = layout.Directory($"borg-restore-{label}");
        var timing = Tool.Timed("borg", ["extract", $"{_repository}::{label}"], _environment, target) + StorageSnapshotContender.Sync();
        return (timing, Path.Combine(target, layout.Source.TrimStart('/')));
    }

    public Timing Verify(string label) => Tool.Timed("borg", ["check", "--verify-data", _repository], _environment);
}

/// <summary>
/// The floor: <c>cp --reflink=never</c> + <c>sync</c> of the image (a full copy, and its own restore);
/// <c>sha256sum</c> of the copied image as the reference for "read and hash every byte".
/// </summary>
internal sealed class CopyContender(RunLayout layout) : IContender
{
    private readonly string _copies = layout.Directory("cp");

    public string Name => "cp + sync";

    public void Setup() { }

    public void WarmUp() => Tool.Run("cp", "--version");

    public Timing Backup(string label)
    {
        // Only the full backup: cp has no incremental (it would copy everything again).
        if (label != EndToEndBenchmark.FullLabel) return new Timing(TimeSpan.Zero, -1);
        return Tool.Timed("cp", ["--reflink=never", layout.Source, Path.Combine(_copies, label + ".img")]) + StorageSnapshotContender.Sync();
    }

    public (Timing Timing, string Image) Restore(string label)
    {
        var image = Path.Combine(layout.Directory("cp-restore"), label + ".img");
        return (Tool.Timed("cp", ["--reflink=never", Path.Combine(_copies, label + ".img"), image]) + StorageSnapshotContender.Sync(), image);
    }

    public Timing Verify(string label) => Tool.Timed("sha256sum", [Path.Combine(_copies, label + ".img")]);
}
