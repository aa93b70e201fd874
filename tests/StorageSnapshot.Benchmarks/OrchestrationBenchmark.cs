using System.Globalization;
using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Drivers.Directory;
using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Operations;
using static StorageSnapshot.Benchmarks.Support.BenchmarkArguments;
using static StorageSnapshot.Benchmarks.Support.Sampling;

namespace StorageSnapshot.Benchmarks;

/// <summary>
/// What orchestration costs on top of the driver: a snapshot created and deleted through the façade (lock,
/// two inventory transactions per phase pair, journal, events) against the same driver calls made directly —
/// the baseline, measured in the same run on the same files. Also: one volume lock taken and released, and an
/// engine open (inventory open + dead-operation scan).
/// Usage: orchestration [--path DIR] [--iterations N] [--size-mib N]
/// </summary>
internal static class OrchestrationBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var path = Option(args, "--path") ?? Path.GetTempPath();
        var iterations = int.Parse(Option(args, "--iterations") ?? "200", CultureInfo.InvariantCulture);
        var size = long.Parse(Option(args, "--size-mib") ?? "64", CultureInfo.InvariantCulture) << 20;
        var root = Directory.CreateDirectory(Path.Combine(path, $"storagesnapshot-bench-orchestration-{Guid.NewGuid():N}")).FullName;
        try
        {
            var backendPath = Directory.CreateDirectory(Path.Combine(root, "backend")).FullName;
            var options = new EngineOptions { HomeDirectory = Path.Combine(root, "home") };
            var context = OperationContext.Unattended();
            var rows = new List<(string What, string Figure)>();

            await using (var engine = await StorageSnapshotEngine.OpenAsync(options, CancellationToken.None))
            {
                await engine.RegisterBackendAsync(new RegisterBackendRequest("bench", DirectoryDriver.DriverName, new Dictionary<string, object?> { ["Path"] = backendPath }), context);
                var volume = (await engine.NewVolumeAsync(new NewVolumeRequest("bench", "vol", size), context))!;
                await using (var file = new FileStream(volume.Location!, FileMode.Open, FileAccess.Write))
                {
                    var data = new byte[1 << 20];
                    Random.Shared.NextBytes(data);
                    for (long offset = 0; offset < size; offset += data.Length) file.Write(data);
                }

                var properties = new Dictionary<string, string> { [DirectoryDriver.PathProperty] = backendPath };
                await using var driver = await new DirectoryDriver().OpenBackendAsync("bench", properties, CancellationToken.None);
                var volumeObject = new DriverObject { Reference = volume.DriverReference!, Location = volume.Location! };

                var raw = await MedianAsync(iterations, async () =>
                {
                    var made = await driver.CreateSnapshotAsync(volumeObject, Engine.Naming.Ids.New(), CancellationToken.None);
                    await driver.DeleteSnapshotAsync(made, CancellationToken.None);
                });
                var orchestrated = await MedianAsync(iterations, async () =>
                {
                    var snapshot = await engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(volume)), context);
                    await engine.RemoveSnapshotAsync(SnapshotSelector.Of(snapshot!), context);
                });
                rows.Add(("driver: create + delete a snapshot (baseline)", Ms(raw)));
                rows.Add(("engine: New- + Remove-StorageSnapshot", Ms(orchestrated)));
                rows.Add(("engine / driver", (orchestrated / raw).ToString("0.00", CultureInfo.InvariantCulture) + "x"));
                rows.Add(("engine overhead per operation (2 per pair)", Ms((orchestrated - raw) / 2)));
            }

            var lockTime = await MedianAsync(iterations * 10, () =>
            {
                using var held = VolumeLock.TryAcquire(options.LockDirectory, "bench/vol");
                return Task.CompletedTask;
            });
            rows.Add(("volume lock: take + release", Ms(lockTime)));

            var open = await MedianAsync(Math.Max(10, iterations / 4), async () =>
            {
                await using var engine = await StorageSnapshotEngine.OpenAsync(options, CancellationToken.None);
            });
            rows.Add(($"engine open (journal of {2 * (iterations + 1) + 1} operations)", Ms(open)));

            Console.WriteLine($"orchestration benchmark: {iterations} iterations, {size >> 20} MiB volume, {root}");
            var width = rows.Max(r => r.What.Length);
            foreach (var (what, figure) in rows) Console.WriteLine($"  {what.PadRight(width)}  {figure}");
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static string Ms(double milliseconds) => milliseconds.ToString("0.000", CultureInfo.InvariantCulture) + " ms";
}
