using System.Diagnostics;
using System.Globalization;
using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Drivers.Btrfs;
using StorageSnapshot.Engine.Drivers.Qcow2;
using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Tests.Drivers.Btrfs;
using StorageSnapshot.Engine.Tests.Drivers.Qcow2;
using StorageSnapshot.Engine.Tests.Infrastructure;
using Xunit.Abstractions;

namespace StorageSnapshot.Engine.Tests.Drivers;

/// <summary>
/// kill -9 during snapshot, revert, clone and delete on the btrfs and qcow2 drivers, through the engine in a child
/// process (StorageSnapshot.TestHost local-driver), at a random moment inside the operation (the window is measured
/// on uncut runs first). After every kill, with the engine reopened: the volume's data is the old or the new, never
/// a mix; nothing half-made is Ready or Available; what was cut short is marked NeedsRecovery; every Ready snapshot
/// still holds its bytes. Each run works on volumes of its own, so one run's leftovers cannot hide another's.
/// At least <see cref="KillFloor"/> kills per operation must land before the operation finished, a quarter of them inside its driver call. The random choices
/// come from one seed, printed, replayable with STORAGESNAPSHOT_CRASH_SEED; STORAGESNAPSHOT_FAULT_RUNS raises the runs.
/// </summary>
public abstract class LocalDriverFaultTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const long Size = 1 << 20;
    private const int KillFloor = 20;
    private static readonly int Runs = int.TryParse(Environment.GetEnvironmentVariable("STORAGESNAPSHOT_FAULT_RUNS"), out var runs) ? Math.Max(runs, 24) : 24;
    private string home = "";
    private string backendPath = "";
    private IDriverBackend? backend;

    /// <summary>The driver's registry name.</summary>
    protected abstract string Driver { get; }

    /// <summary>A new empty backend folder of the driver's kind.</summary>
    protected abstract string CreateBackendFolder();

    /// <summary>Removes the folder (and anything the driver made in it).</summary>
    protected abstract void DestroyBackendFolder(string folder);

    /// <summary>The guest bytes of the volume or snapshot image at <paramref name="location"/>.</summary>
    protected abstract Task<byte[]> GuestBytesAsync(string location);

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        foreach (var requirements in GetType().GetCustomAttributes(typeof(IntegrationRequirementsAttribute), inherit: true).Cast<IntegrationRequirementsAttribute>())
            Integration.Require(requirements.Available, $"{GetType().Name} needs {requirements.Description}");
        home = System.IO.Directory.CreateTempSubdirectory("storagesnapshot-faults-home-").FullName;
        backendPath = CreateBackendFolder();
        await using var engine = await OpenAsync();
        await engine.RegisterBackendAsync(new RegisterBackendRequest("lab", Driver, new Dictionary<string, object?> { ["Path"] = backendPath }), OperationContext.Unattended());
        backend = await new DriverRegistry().Add(new BtrfsDriver()).Add(new Qcow2Driver()).Get(Driver)
            .OpenBackendAsync("lab", new Dictionary<string, string> { ["Path"] = backendPath }, CancellationToken.None);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (backend is not null) await backend.DisposeAsync();
        if (backendPath.Length > 0) DestroyBackendFolder(backendPath);
        if (home.Length > 0 && System.IO.Directory.Exists(home)) System.IO.Directory.Delete(home, recursive: true);
    }

    [ContractFact]
    public Task KilledSnapshotsLeaveTheVolumeAsItWasAndNoSnapshotHalfReady() => KillRunsAsync("snapshot",
        async (engine, run) =>
        {
            var volume = await NewVolumeAsync(engine, $"s{run}", Content(run, 0));
            return (new[] { "snapshot", home, volume.Id, "cut" }, volume.Id);
        },
        async (engine, volumeId, run) =>
        {
            var volume = (await engine.Inventory.GetVolumeAsync(volumeId, CancellationToken.None))!;
            Assert.Equal(Content(run, 0), await GuestBytesAsync(volume.Location!));
            await AssertSnapshotsSoundAsync(engine, volume, new Dictionary<string, byte[]> { ["cut"] = Content(run, 0) });
        });

    [ContractFact]
    public Task KilledRevertsLeaveTheOldOrTheNewData() => KillRunsAsync("revert",
        async (engine, run) =>
        {
            var volume = await NewVolumeAsync(engine, $"r{run}", Content(run, 0));
            var snapshot = await SnapshotAsync(engine, volume, "before");
            await WriteAsync(volume, Content(run, 1));
            return (new[] { "revert", home, snapshot.Id }, volume.Id);
        },
        async (engine, volumeId, run) =>
        {
            var volume = (await engine.Inventory.GetVolumeAsync(volumeId, CancellationToken.None))!;
            var bytes = await GuestBytesAsync(volume.Location!);
            Assert.True(bytes.SequenceEqual(Content(run, 0)) || bytes.SequenceEqual(Content(run, 1)), $"run {run}: the reverted volume holds neither its old nor its new data");
            var before = (await engine.Inventory.ListSnapshotsAsync(new Engine.Inventory.SnapshotQuery { VolumeIds = new[] { volumeId } }, CancellationToken.None)).Single(s => s.Name == "before");
            var succeeded = await engine.GetOperationsAsync(new[] { OperationState.Succeeded }, OperationContext.Unattended());
            if (succeeded.Any(o => o.Kind == OperationKind.RevertSnapshot && o.TargetId == before.Id))
                Assert.Equal(Content(run, 0), bytes); // a revert recorded as done really reverted
            else if (volume.State != VolumeState.Available)
                await AssertMarkedForRecoveryAsync(engine, before.Id, run);
            await AssertSnapshotsSoundAsync(engine, volume, new Dictionary<string, byte[]> { ["before"] = Content(run, 0) });
        });

    [ContractFact]
    public Task KilledClonesAreAvailableOnlyWhenWhole() => KillRunsAsync("clone",
        async (engine, run) =>
        {
            var volume = await NewVolumeAsync(engine, $"c{run}", Content(run, 0));
            var snapshot = await SnapshotAsync(engine, volume, "source");
            await WriteAsync(volume, Content(run, 1));
            return (new[] { "clone", home, snapshot.Id, $"c{run}-clone" }, volume.Id);
        },
        async (engine, volumeId, run) =>
        {
            var volume = (await engine.Inventory.GetVolumeAsync(volumeId, CancellationToken.None))!;
            Assert.Equal(Content(run, 1), await GuestBytesAsync(volume.Location!));
            var clone = (await engine.Inventory.ListVolumesAsync(null, CancellationToken.None)).SingleOrDefault(v => v.Name == $"c{run}-clone");
            if (clone is { State: VolumeState.Available }) Assert.Equal(Content(run, 0), await GuestBytesAsync(clone.Location!));
            else if (clone is not null) await AssertMarkedForRecoveryAsync(engine, clone.Id, run);
            await AssertSnapshotsSoundAsync(engine, volume, new Dictionary<string, byte[]> { ["source"] = Content(run, 0) });
        });

    [ContractFact]
    public Task KilledDeletesLeaveTheVolumeAndTheOtherSnapshotsIntact() => KillRunsAsync("delete",
        async (engine, run) =>
        {
            // The newest snapshot is deleted: on qcow2 its one child is the volume's active layer, merged into it and renamed over the volume.
            var volume = await NewVolumeAsync(engine, $"d{run}", Content(run, 0));
            await SnapshotAsync(engine, volume, "first");
            await WriteAsync(volume, Content(run, 1));
            var second = await SnapshotAsync(engine, volume, "second");
            await WriteAsync(volume, Content(run, 2));
            return (new[] { "delete", home, second.Id }, volume.Id);
        },
        async (engine, volumeId, run) =>
        {
            var volume = (await engine.Inventory.GetVolumeAsync(volumeId, CancellationToken.None))!;
            Assert.Equal(Content(run, 2), await GuestBytesAsync(volume.Location!));
            await AssertSnapshotsSoundAsync(engine, volume, new Dictionary<string, byte[]> { ["first"] = Content(run, 0), ["second"] = Content(run, 1) });
        });

    private async Task KillRunsAsync(string operation, Func<StorageSnapshotEngine, int, Task<(string[] Arguments, string VolumeId)>> prepare,
        Func<StorageSnapshotEngine, string, int, Task> check)
    {
        var replay = Environment.GetEnvironmentVariable(Secondary.CrashSafetyTests.SeedVariable);
        var seed = string.IsNullOrEmpty(replay) ? Random.Shared.Next() : int.Parse(replay, CultureInfo.InvariantCulture);
        var random = new Random(seed);
        output.WriteLine($"{Driver} {operation}: seed {seed} (replay with {Secondary.CrashSafetyTests.SeedVariable}={seed})");
        var clock = Stopwatch.StartNew();

        // Two windows, each the shorter of two uncut runs: the whole operation from GO, and its driver call from DRIVER.
        // Even runs aim inside 0.9 of the first, odd runs inside 0.7 of the second (the storage's own crash windows).
        var (window, driverWindow) = (TimeSpan.MaxValue, TimeSpan.MaxValue);
        for (var run = -2; run < 0; run++)
        {
            var (arguments, volumeId) = await PrepareAsync(prepare, run);
            var uncut = RunChild(arguments, killAfter: null, fromDriverCall: false);
            Assert.True(uncut.Finished, $"{Driver} {operation}: an uncut run did not finish: {uncut.Output}");
            window = uncut.Elapsed < window ? uncut.Elapsed : window;
            driverWindow = uncut.DriverElapsed < driverWindow ? uncut.DriverElapsed : driverWindow;
            await CheckAsync(check, volumeId, run);
        }

        var killed = 0;
        var killedInDriver = 0;
        for (var run = 0; run < Runs; run++)
        {
            var (arguments, volumeId) = await PrepareAsync(prepare, run);
            var inDriver = run % 2 == 1;
            var delay = TimeSpan.FromTicks((long)(random.NextDouble() * (inDriver ? 0.7 * driverWindow : 0.9 * window).Ticks));
            var outcome = RunChild(arguments, delay, inDriver);
            if (!outcome.Finished) killed++;
            if (outcome.KilledInDriver) killedInDriver++;
            try
            {
                await CheckAsync(check, volumeId, run);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException($"{Driver} {operation}, run {run}, killed {delay.TotalMilliseconds:F1} ms after {(inDriver ? "DRIVER" : "GO")} (seed {seed}): {e.Message}", e);
            }
        }
        output.WriteLine($"{Driver} {operation}: {killed} of {Runs} runs killed before they finished ({killedInDriver} inside the driver call, window {driverWindow.TotalMilliseconds:F1} ms; whole operation {window.TotalMilliseconds:F0} ms), all checked, in {clock.Elapsed.TotalSeconds:F1} s");
        // The driver call is short (btrfs: milliseconds) and the machine shared: a quarter is the floor, about half the aim.
        Assert.True(killedInDriver >= Runs / 4, $"only {killedInDriver} {operation} runs were killed inside the driver call (seed {seed})");
        Assert.True(killed >= KillFloor, $"only {killed} of {Runs} {operation} runs were killed before they finished (at least {KillFloor} must be; seed {seed})");
    }

    private async Task<(string[], string)> PrepareAsync(Func<StorageSnapshotEngine, int, Task<(string[], string)>> prepare, int run)
    {
        await using var engine = await OpenAsync();
        return await prepare(engine, run);
    }

    private async Task CheckAsync(Func<StorageSnapshotEngine, string, int, Task> check, string volumeId, int run)
    {
        await using var engine = await OpenAsync(); // marks what the killed process left Running as NeedsRecovery
        Assert.Empty(await engine.GetOperationsAsync(new[] { OperationState.Running }, OperationContext.Unattended()));
        await check(engine, volumeId, run);
    }

    /// <summary>Every snapshot of the volume is Ready with the bytes it was taken with, or not Ready and marked for recovery.</summary>
    private async Task AssertSnapshotsSoundAsync(StorageSnapshotEngine engine, Volume volume, IReadOnlyDictionary<string, byte[]> expected)
    {
        var snapshots = await engine.Inventory.ListSnapshotsAsync(new Engine.Inventory.SnapshotQuery { VolumeIds = new[] { volume.Id } }, CancellationToken.None);
        foreach (var snapshot in snapshots)
        {
            if (snapshot.State == SnapshotState.Ready)
            {
                var found = await backend!.FindSnapshotAsync(new DriverObject { Reference = volume.DriverReference!, Location = volume.Location! }, snapshot.Id, CancellationToken.None);
                Assert.True(found is not null, $"the Ready snapshot '{snapshot.Name}' is not on the storage");
                Assert.Equal(expected[snapshot.Name], await ReadAsync(found!));
            }
            else
            {
                await AssertMarkedForRecoveryAsync(engine, snapshot.Id, run: -1);
            }
        }
    }

    private static async Task AssertMarkedForRecoveryAsync(StorageSnapshotEngine engine, string targetId, int run)
    {
        var operations = await engine.GetOperationsAsync(new[] { OperationState.NeedsRecovery }, OperationContext.Unattended());
        Assert.True(operations.Any(o => o.TargetId == targetId), $"run {run}: '{targetId}' is half-made but no operation on it is marked NeedsRecovery");
    }

    private async Task<byte[]> ReadAsync(DriverObject snapshot)
    {
        using var reader = await backend!.OpenSnapshotReaderAsync(snapshot, CancellationToken.None);
        var bytes = new byte[reader.Length];
        for (var offset = 0; offset < bytes.Length;)
            offset += await reader.ReadAsync(offset, bytes.AsMemory(offset), CancellationToken.None);
        return bytes;
    }

    private async Task<Volume> NewVolumeAsync(StorageSnapshotEngine engine, string name, byte[] content)
    {
        var volume = (await engine.NewVolumeAsync(new NewVolumeRequest("lab", name, Size), OperationContext.Unattended()))!;
        await WriteAsync(volume, content);
        return volume;
    }

    private static async Task<Snapshot> SnapshotAsync(StorageSnapshotEngine engine, Volume volume, string name) =>
        (await engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(volume)) { Name = name }, OperationContext.Unattended()))!;

    private async Task WriteAsync(Volume volume, byte[] content)
    {
        await using var writer = await backend!.OpenVolumeWriterAsync(new DriverObject { Reference = volume.DriverReference!, Location = volume.Location! }, CancellationToken.None);
        await writer.WriteAsync(0, content, CancellationToken.None);
        await writer.FlushAsync(CancellationToken.None);
    }

    private static byte[] Content(int run, int version)
    {
        var bytes = new byte[Size];
        new Random(run * 31 + version + 1000).NextBytes(bytes);
        return bytes;
    }

    private Task<StorageSnapshotEngine> OpenAsync() => StorageSnapshotEngine.OpenAsync(new EngineOptions { HomeDirectory = home }, CancellationToken.None);

    private sealed record ChildOutcome(bool Finished, bool KilledInDriver, TimeSpan Elapsed, TimeSpan DriverElapsed, string Output);

    /// <summary>
    /// Runs the child; <paramref name="killAfter"/> after it printed GO (or DRIVER, with <paramref name="fromDriverCall"/>),
    /// SIGKILLs it — the process alone, as a crash would: a qemu-img it started runs on to its end, as it would then
    /// (null: lets it finish). Timed on this thread with blocking reads, so the kill lands when the delay says.
    /// Finished: it printed DONE and exited 0. KilledInDriver: killed after DRIVER and before DRIVER-DONE.
    /// </summary>
    private static ChildOutcome RunChild(string[] arguments, TimeSpan? killAfter, bool fromDriverCall)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "StorageSnapshot.TestHost.dll"));
        start.ArgumentList.Add("local-driver");
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var lines = new List<string>();
        string? Next()
        {
            var line = process.StandardOutput.ReadLine();
            if (line is not null) lines.Add(line);
            return line;
        }
        if (Next() != "GO")
        {
            process.WaitForExit(60_000);
            return new ChildOutcome(false, false, TimeSpan.Zero, TimeSpan.Zero, $"{string.Join('\n', lines)} {stderr.Result}");
        }
        var clock = Stopwatch.StartNew();
        var killedInDriver = false;
        if (killAfter is { } delay)
        {
            if (fromDriverCall && Next() != "DRIVER") throw new InvalidOperationException($"The child did not reach its driver call: {string.Join('\n', lines)} {stderr.Result}");
            var aim = Stopwatch.StartNew();
            while (aim.Elapsed < delay && !process.HasExited) Thread.SpinWait(100);
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: false);
                process.WaitForExit();
            }
        }
        string? line;
        var driverStart = TimeSpan.Zero;
        var driverElapsed = TimeSpan.Zero;
        while ((line = Next()) is not null)
        {
            if (line == "DRIVER") driverStart = clock.Elapsed;
            if (line == "DRIVER-DONE") driverElapsed = clock.Elapsed - driverStart;
        }
        if (!process.WaitForExit(120_000)) process.Kill(entireProcessTree: true);
        var elapsed = clock.Elapsed;
        killedInDriver = lines.Contains("DRIVER") && !lines.Contains("DRIVER-DONE");
        var finished = lines.Contains("DONE") && process.ExitCode == 0;
        return new ChildOutcome(finished, killedInDriver, elapsed, driverElapsed, $"{string.Join('\n', lines)}\n{stderr.Result}");
    }
}

/// <summary>kill -9 on the btrfs driver, on a btrfs loop filesystem.</summary>
[IntegrationRequirements(needsRoot: true, "mkfs.btrfs", "losetup", "mount")]
public sealed class BtrfsFaultTests(BtrfsLoopFixture btrfs, ITestOutputHelper output) : LocalDriverFaultTests(output), IClassFixture<BtrfsLoopFixture>
{
    protected override string Driver => BtrfsDriver.DriverName;

    protected override string CreateBackendFolder() => btrfs.Filesystem.CreateDirectory("faults");

    protected override void DestroyBackendFolder(string folder) => BtrfsTestStorage.DeleteTree(folder);

    protected override Task<byte[]> GuestBytesAsync(string location) => File.ReadAllBytesAsync(location);
}

/// <summary>kill -9 on the qcow2 driver, on qemu-img images in a temporary folder.</summary>
[IntegrationRequirements(needsRoot: false, "qemu-img", "qemu-nbd")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class Qcow2FaultTests(ITestOutputHelper output) : LocalDriverFaultTests(output)
{
    protected override string Driver => Qcow2Driver.DriverName;

    protected override string CreateBackendFolder() => System.IO.Directory.CreateTempSubdirectory("storagesnapshot-faults-qcow2-").FullName;

    protected override void DestroyBackendFolder(string folder) => System.IO.Directory.Delete(folder, recursive: true);

    protected override Task<byte[]> GuestBytesAsync(string location) => Qcow2DriverTests.GuestBytesAsync(location);
}
