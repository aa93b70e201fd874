using System.Diagnostics;
using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Drivers.CephRbd;

/// <summary>Tests that stop the cluster's daemons run alone: nothing else in the assembly runs beside them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CephDaemonsCollection
{
    public const string Name = "Ceph daemons stopped";
}

/// <summary>
/// The cluster failing under the module: an OSD that stops answering in the middle of a copy, an OSD killed in the
/// middle of a restore, monitors that do not answer. Each time: a clear error naming the backend and the object, the
/// operation journaled Failed, compensation done (or the object left in Error when the cluster cannot do it), nothing
/// shown Ready that is not — and once the cluster is back, the same command works. The daemons are those
/// tests/infrastructure/ceph.sh started (their PIDs are in its data directory); they are always resumed.
/// </summary>
[Collection(CephDaemonsCollection.Name)]
public sealed class CephRbdFaultTests(Xunit.Abstractions.ITestOutputHelper log)
{
    private readonly Stopwatch elapsed = Stopwatch.StartNew();

    private void Step(string what) => log.WriteLine($"{elapsed.Elapsed.TotalSeconds,7:0.0} s  {what}");

    private const long Size = 64L << 20;

    [CephFact]
    public async Task An_osd_that_stops_answering_mid_copy_fails_the_copy_within_the_timeout_and_a_retry_succeeds()
    {
        var osd = Daemon("osd.0");
        await using var bed = await CephEngineBed.CreateAsync(("TimeoutSeconds", "3"));
        await bed.NewVolumeAsync("vm1", Size);
        await bed.WriteAsync("vm1", 0, Pattern(Size, 1));
        var snapshot = await bed.NewSnapshotAsync("vm1", "nightly");
        await bed.Engine.RegisterSecondaryStorageAsync(new RegisterSecondaryStorageRequest("nfs1", bed.SecondaryPath) { CreateDirectory = true, ChunkSizeBytes = 1 << 20 },
            OperationContext.Unattended());
        var fault = new FaultAt(8L << 20, () => Stop(osd));
        bed.Driver.BeforeRead = fault.Before;
        var clock = Stopwatch.StartNew();
        StorageSnapshotException error;
        try
        {
            error = await Assert.ThrowsAnyAsync<StorageSnapshotException>(() =>
                bed.Engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(SnapshotSelector.Of(snapshot), "nfs1"), OperationContext.Unattended()));
        }
        finally
        {
            Signal(osd, "CONT");
            bed.Driver.BeforeRead = null;
        }

        Assert.True(fault.Fired, "The OSD was never stopped: the copy read nothing past 8 MiB.");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"The copy took {clock.Elapsed} to give up on a stopped OSD (timeout 3 s).");
        Assert.Equal(ErrorIds.DriverFailed, error.ErrorId);
        Assert.Contains("ETIMEDOUT", error.Message);
        Assert.Contains($"{bed.Space.Location}/vm1@{snapshot.Id}", error.Message);
        var copies = await bed.Engine.GetSnapshotCopiesAsync(new CopyFilter(), OperationContext.Unattended());
        Assert.All(copies, c => Assert.NotEqual(CopyState.Copied, c.State));
        var failed = await bed.Engine.GetOperationsAsync(new[] { OperationState.Failed }, OperationContext.Unattended());
        Assert.Contains(failed, o => o.Error!.Contains("ETIMEDOUT"));

        // The OSD answers again: the same copy now completes and is valid.
        var copy = await bed.Engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(SnapshotSelector.Of(snapshot), "nfs1"), OperationContext.Unattended());
        Assert.Equal(CopyState.Copied, copy!.State);
        Assert.True((await bed.Engine.TestSnapshotCopyAsync(copy.Id, compareWithSource: true, OperationContext.Unattended())).Valid);
    }

    [CephFact]
    public async Task An_osd_killed_mid_restore_fails_it_the_half_made_volume_is_left_in_error_and_goes_once_the_osd_is_back()
    {
        var osd = Daemon("osd.0");
        await using var bed = await CephEngineBed.CreateAsync(("TimeoutSeconds", "3"));
        await bed.NewVolumeAsync("vm1", Size);
        await bed.WriteAsync("vm1", 0, Pattern(Size, 2));
        var snapshot = await bed.NewSnapshotAsync("vm1", "nightly");
        await bed.Engine.RegisterSecondaryStorageAsync(new RegisterSecondaryStorageRequest("nfs1", bed.SecondaryPath) { CreateDirectory = true, ChunkSizeBytes = 1 << 20 },
            OperationContext.Unattended());
        var copy = (await bed.Engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(SnapshotSelector.Of(snapshot), "nfs1"), OperationContext.Unattended()))!;
        Step("copied; restoring with the OSD killed at the first progress");
        var fault = new FaultAt(8L << 20, () => Kill(osd));
        bed.Driver.BeforeWrite = fault.Before;
        StorageSnapshotException error;
        try
        {
            error = await Assert.ThrowsAnyAsync<StorageSnapshotException>(() =>
                bed.Engine.NewVolumeFromCopyAsync(new NewVolumeFromCopyRequest("vm1-restored", copy.Id), OperationContext.Unattended()));
        }
        finally
        {
            bed.Driver.BeforeWrite = null;
            Step("restore ended; restarting the cluster");
            RestartCluster();
            Step("cluster healthy");
        }

        Assert.True(fault.Fired, "The OSD was never killed: the restore wrote nothing past 8 MiB.");
        Assert.Equal(ErrorIds.DriverFailed, error.ErrorId);
        Assert.Contains("ETIMEDOUT", error.Message);
        Assert.Contains($"{bed.Space.Location}/vm1-restored", error.Message);
        var failed = await bed.Engine.GetOperationsAsync(new[] { OperationState.Failed }, OperationContext.Unattended());
        Assert.Contains(failed, o => o.Kind == OperationKind.RestoreFromCopy || o.Error!.Contains("ETIMEDOUT"));
        // The dead client held the image's exclusive lock: taking it over waits for the old owner first, longer than 3 s.
        await bed.Engine.SetBackendAsync(new SetBackendRequest(CephEngineBed.Backend) { Properties = new Dictionary<string, object?> { ["TimeoutSeconds"] = 30 } },
            OperationContext.Unattended());
        // The cleanup could not reach the OSD either: the volume says so instead of looking usable.
        var restored = (await bed.Engine.GetVolumesAsync(new VolumeFilter(Names: new[] { "vm1-restored" }), OperationContext.Unattended())).SingleOrDefault();
        if (restored is not null)
        {
            Assert.Equal(VolumeState.Error, restored.State);
            Assert.True(await bed.Engine.RemoveVolumeAsync(new RemoveVolumeRequest(VolumeSelector.Of(restored)), OperationContext.Unattended()));
        }
        Step("the volume left in Error is removed");
        Assert.DoesNotContain("vm1-restored", CephTestCluster.Rbd("ls", $"{CephTestCluster.Pool}/{bed.Space.Name}"));

        // With the OSD back the restore works.
        var again = await bed.Engine.NewVolumeFromCopyAsync(new NewVolumeFromCopyRequest("vm1-restored", copy.Id), OperationContext.Unattended());
        Assert.Equal(VolumeState.Available, again!.State);
    }

    [CephFact]
    public async Task Monitors_that_do_not_answer_fail_an_operation_within_the_timeout_and_the_next_command_says_so_before_recording_anything()
    {
        var monitor = Daemon("mon.a");
        await using var bed = await CephEngineBed.CreateAsync(("TimeoutSeconds", "3"));
        await bed.NewVolumeAsync("vm1", 1 << 20);
        await using var nextCommand = await bed.OpenNextCommandEngineAsync();
        var clock = Stopwatch.StartNew();
        StorageSnapshotException inThisCommand, inTheNext;
        Stop(monitor);
        try
        {
            // This engine's connection is still open (kept for the next item of a pipeline): the snapshot starts, and the
            // monitors' silence fails it (a snapshot id comes from the monitors).
            inThisCommand = await Assert.ThrowsAnyAsync<StorageSnapshotException>(() => bed.NewSnapshotAsync("vm1", "nightly"));
            // The next command connects: it is refused before anything is recorded.
            inTheNext = await Assert.ThrowsAnyAsync<StorageSnapshotException>(() =>
                nextCommand.NewSnapshotAsync(new NewSnapshotRequest(new VolumeSelector(Backend: CephEngineBed.Backend, Name: "vm1")) { Name = "nightly-2" }, OperationContext.Unattended()));
        }
        finally
        {
            Signal(monitor, "CONT");
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(45), $"Two snapshots took {clock.Elapsed} to give up on stopped monitors (timeout 3 s).");
        Assert.Equal(ErrorIds.DriverFailed, inThisCommand.ErrorId);
        Assert.Contains($"backend '{CephEngineBed.Backend}'", inThisCommand.Message);
        Assert.Contains("ETIMEDOUT", inThisCommand.Message);
        Assert.Contains($"{bed.Space.Location}/vm1", inThisCommand.Message);
        Assert.Equal(ErrorIds.DriverFailed, inTheNext.ErrorId);
        Assert.Contains("No Ceph monitor answered at", inTheNext.Message);
        var operations = await bed.Engine.GetOperationsAsync(null, OperationContext.Unattended());
        Assert.Single(operations, o => o.Kind == OperationKind.CreateSnapshot && o.State == OperationState.Failed);
        Assert.DoesNotContain(operations, o => o.State == OperationState.Running);
        Assert.DoesNotContain(await bed.Engine.GetSnapshotsAsync(new SnapshotFilter(), OperationContext.Unattended()), s => s.State == SnapshotState.Ready);

        // Monitors back: a snapshot is taken (the failed connection was not kept).
        Assert.Equal(SnapshotState.Ready, (await bed.NewSnapshotAsync("vm1", "nightly-3")).State);
    }

    /// <summary>The PID of a daemon the script started; these tests cannot run against a cluster they do not control.</summary>
    private static int Daemon(string name)
    {
        CephTestCluster.Require();
        var pid = CephTestCluster.DaemonPid(name);
        Integration.Require(pid is not null && System.IO.Directory.Exists($"/proc/{pid}"),
            $"{name} of the test cluster must be a process tests/infrastructure/ceph.sh started (no PID file under {CephTestCluster.DataDirectory}/pids)");
        return pid!.Value;
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture) } })!;
        kill.WaitForExit();
    }

    /// <summary>Starts what is not running (the killed OSD) and waits until the cluster is healthy again.</summary>
    private static void RestartCluster()
    {
        var script = FindScript();
        var start = new ProcessStartInfo("bash") { ArgumentList = { script, "start" }, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["STORAGESNAPSHOT_CEPH_DIR"] = CephTestCluster.DataDirectory;
        start.Environment["STORAGESNAPSHOT_CEPH_SKIP_INSTALL"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"Restarting the cluster failed: {output.Result}");
    }

    private static string FindScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var script = Path.Combine(dir.FullName, "tests", "infrastructure", "ceph.sh");
            if (File.Exists(script)) return script;
        }
        throw new FileNotFoundException("tests/infrastructure/ceph.sh was not found above " + AppContext.BaseDirectory);
    }

    private static byte[] Pattern(long length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Stops a process and returns once it is stopped (state T), so the next request meets a silent daemon.</summary>
    private static void Stop(int pid)
    {
        Signal(pid, "STOP");
        WaitFor(() => State(pid) is 'T' or 't', $"process {pid} to stop");
    }

    /// <summary>Kills a process and returns once it is gone.</summary>
    private static void Kill(int pid)
    {
        Signal(pid, "KILL");
        WaitFor(() => State(pid) is null or 'Z' or 'X', $"process {pid} to die");
    }

    private static char? State(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0];
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static void WaitFor(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Waited 30 s for {what}.");
            Thread.Sleep(20);
        }
    }

    /// <summary>A fault applied once, before the first read or write at or past an offset, while that request waits.</summary>
    private sealed class FaultAt(long offset, Action fault)
    {
        private int fired;

        public bool Fired => Volatile.Read(ref fired) == 1;

        public Task Before(long at, CancellationToken cancellationToken)
        {
            if (at >= offset && Interlocked.Exchange(ref fired, 1) == 0) fault();
            return Task.CompletedTask;
        }
    }
}
