using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Amazon.S3;
using StorageSnapshot.Engine.Drivers.RawImages;
using StorageSnapshot.Engine.Secondary.Copy;
using StorageSnapshot.Engine.Secondary.Repository;
using StorageSnapshot.Engine.Secondary.Restore;
using StorageSnapshot.Engine.Secondary.S3;
using static StorageSnapshot.Benchmarks.Support.BenchmarkArguments;

namespace StorageSnapshot.Benchmarks.S3;

/// <summary>
/// Copies to S3 (the RADOS Gateway of tests/infrastructure/ceph.sh) against `rclone copyto` of the same image to the
/// same bucket, with rclone's default settings, in the same run: full copy, incremental copy after 1 % change (bytes
/// PUT against the changed chunks), restore against `rclone copyto` back, and a second full copy of the unchanged
/// volume (PUTs against chunks: HEAD/412 only). Each step is run <c>--runs</c> times, each run into a new prefix, the
/// order of rclone and StorageSnapshot alternating between runs (the gateway is slower right after a large write);
/// the table gives medians, the ratio's median and each run's ratio, and where the CPU went (client, gateway).
/// Store level: the shipped SnapshotCopier / CopyRestorer over an image file read by the directory driver's
/// FileBlockReader, into the shipped S3ChunkStore; request counts from S3RequestCounts. With <c>--cmdlets</c>, then
/// the same through the cmdlets in pwsh 7.6.10 (<see cref="S3CmdletBenchmark"/>); <c>--cmdlets-only</c> skips the
/// store level.
/// Usage: s3 [--size-mib N (1024)] [--chunk-mib N (4)] [--runs N (3)] [--cmdlets | --cmdlets-only] [--module PATH] [--pwsh-il];
/// reads STORAGESNAPSHOT_S3_* and the rclone configuration (`eval "$(bash tests/infrastructure/ceph.sh env)"`).
/// </summary>
internal static class S3Benchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var size = long.Parse(Option(args, "--size-mib") ?? "1024", CultureInfo.InvariantCulture) << 20;
        var chunkSize = int.Parse(Option(args, "--chunk-mib") ?? "4", CultureInfo.InvariantCulture) << 20;
        var runs = int.Parse(Option(args, "--runs") ?? "3", CultureInfo.InvariantCulture);
        var cmdletsOnly = args.Contains("--cmdlets-only");
        var cmdlets = cmdletsOnly || args.Contains("--cmdlets");
        var gateway = S3Gateway.FromEnvironment();
        var meter = CpuMeter.ForCephGateway();
        var bucket = $"storagesnapshot-bench-{Guid.NewGuid():N}"[..40];
        var work = Directory.CreateTempSubdirectory("storagesnapshot-s3bench-").FullName;
        var total = Stopwatch.StartNew();
        Console.WriteLine($"s3 benchmark: {size >> 20} MiB image of random data, {chunkSize >> 20} MiB chunks, {runs} run(s), {Environment.ProcessorCount} cores, " +
            $"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at start, RADOS Gateway at {gateway.Endpoint}{(meter.SeesGateway ? "" : " (its processes not found: gateway CPU not measured)")}, " +
            $"bucket {bucket}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {gateway.Run("rclone", "version").Split('\n')[0].Trim()}, default settings");
        using var admin = gateway.AdminClient();
        await admin.PutBucketAsync(bucket);
        try
        {
            if (!cmdletsOnly)
            {
                var image = Path.Combine(work, "volume.img");
                await WriteRandomAsync(image, size);
                var table = new StepTable();
                for (var run = 1; run <= runs; run++)
                {
                    Console.WriteLine($"store level, run {run}/{runs}:");
                    await StoreRunAsync(gateway, meter, table, bucket, image, size, chunkSize, run, work);
                    gateway.Discard(bucket, $"repo-{run}", $"baseline/run-{run}.img");
                }
                table.Print($"store level (SnapshotCopier/CopyRestorer into S3ChunkStore), medians of {runs} run(s):");
            }
            if (cmdlets) await S3CmdletBenchmark.RunAsync(gateway, meter, bucket, size, runs, Option(args, "--module"), args);
        }
        finally
        {
            gateway.Run("rclone", "--config", gateway.RcloneConfig, "purge", $"rgw:{bucket}");
            Directory.Delete(work, recursive: true);
        }
        Console.WriteLine($"s3 benchmark: {total.Elapsed.TotalSeconds:0} s in all; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the end");
        return 0;
    }

    private static async Task StoreRunAsync(S3Gateway gateway, CpuMeter meter, StepTable table, string bucket, string image, long size, int chunkSize, int run, string work)
    {
        var place = S3Place.Parse(S3Place.FormatLocation(gateway.Endpoint, bucket, $"repo-{run}", "bench"), gateway.StoreProperties(), "bench");
        var chunks = (size + chunkSize - 1) / chunkSize;
        var copyId = $"COPY-{run}";
        var baselineKey = $"rgw:{bucket}/baseline/run-{run}.img";
        var rcloneFirst = run % 2 == 1;

        // Full copy, and rclone copyto of the image into the same bucket (order alternating between runs).
        async Task RcloneUp() => table.Add("baseline: rclone copyto (upload)", await meter.MeasureAsync(true, () =>
            gateway.Run("rclone", "--config", gateway.RcloneConfig, "copyto", image, baselineKey)), size);
        async Task FullCopy()
        {
            S3RequestCounts counts = new();
            var cost = await meter.MeasureAsync(false, async () =>
            {
                await using var store = await S3ChunkStore.OpenAsync(place, new RepositoryFormat { ChunkSize = chunkSize, Compression = ChunkCompression.None }, null, null, CancellationToken.None);
                await CopyAsync(store, image, $"S{run}", copyId, null, null);
                counts = store.Requests;
            });
            table.Add("full copy to S3", cost, size, "baseline: rclone copyto (upload)", ">= 1.0x", $"{counts.Puts} PUTs");
        }
        if (rcloneFirst) { await RcloneUp(); await FullCopy(); }
        else { await FullCopy(); await RcloneUp(); }

        // Incremental copy after 1 % change: 1 byte in each of 1 % of the chunks (the image keeps the change).
        var random = new Random(run);
        var changedChunks = Math.Max(1, (int)(chunks / 100));
        var changed = new List<ByteRange>();
        await using (var file = new FileStream(image, FileMode.Open))
        {
            foreach (var index in Enumerable.Range(0, (int)chunks).OrderBy(_ => random.Next()).Take(changedChunks).Order())
            {
                var offset = (long)index * chunkSize + random.Next((int)Math.Min(chunkSize, size - (long)index * chunkSize));
                file.Position = offset;
                file.WriteByte((byte)random.Next(256));
                changed.Add(new ByteRange(offset, 1));
            }
        }
        S3RequestCounts incremental = new();
        var incrementalCost = await meter.MeasureAsync(false, async () =>
        {
            await using var store = await S3ChunkStore.OpenAsync(place, null, null, null, CancellationToken.None);
            await CopyAsync(store, image, $"S{run}i", copyId + "i", copyId, changed);
            incremental = store.Requests;
        });
        var changedBytes = (long)changedChunks * chunkSize;
        table.Add($"incremental copy after 1 % change ({changedChunks} chunks)", incrementalCost, 0, goal: "<= 1.05x",
            note: $"PUT {incremental.BytesPut / (double)(1 << 20):0.0} MiB = {(double)incremental.BytesPut / changedBytes:0.000}x the changed chunks");

        // Restore from S3, and rclone copyto back (order alternating).
        var back = Path.Combine(work, "baseline-back.img");
        async Task RcloneDown()
        {
            table.Add("baseline: rclone copyto (download)", await meter.MeasureAsync(true, () =>
                gateway.Run("rclone", "--config", gateway.RcloneConfig, "copyto", baselineKey, back)), size);
            File.Delete(back);
        }
        var restored = Path.Combine(work, "restored.img");
        async Task Restore()
        {
            var cost = await meter.MeasureAsync(false, async () =>
            {
                await using var store = await S3ChunkStore.OpenAsync(place, null, null, null, CancellationToken.None);
                await using (var stream = new FileStream(restored, FileMode.CreateNew, FileAccess.Write)) stream.SetLength(size);
                await using var writer = new FileBlockWriter(restored);
                await new CopyRestorer(store).RestoreAsync(copyId + "i", writer, new Silent(), CancellationToken.None);
            });
            gateway.Run("cmp", image, restored); // the restored image is the volume, byte for byte
            File.Delete(restored);
            table.Add("restore from S3", cost, size, "baseline: rclone copyto (download)", ">= 0.9x", "equals the volume (cmp)");
        }
        if (rcloneFirst) { await RcloneDown(); await Restore(); }
        else { await Restore(); await RcloneDown(); }

        // Second full copy of the unchanged volume: every chunk read and offered, none stored again.
        S3RequestCounts again = new();
        var againCost = await meter.MeasureAsync(false, async () =>
        {
            await using var store = await S3ChunkStore.OpenAsync(place, null, null, null, CancellationToken.None);
            await CopyAsync(store, image, $"S{run}a", copyId + "a", null, null);
            again = store.Requests;
        });
        table.Add("second full copy, unchanged volume", againCost, size, goal: "PUTs <= 1 %",
            note: $"{again.Puts} PUTs = {100.0 * again.Puts / chunks:0.00} % of {chunks} chunks, {again.AlreadyThere} x 412, {again.Heads} HEADs");
    }

    internal static async Task WriteRandomAsync(string path, long size)
    {
        await using var file = new FileStream(path, FileMode.CreateNew);
        var buffer = new byte[4 << 20];
        for (long written = 0; written < size; written += buffer.Length)
        {
            RandomNumberGenerator.Fill(buffer);
            await file.WriteAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, size - written)));
        }
    }

    private static async Task<CopyResult> CopyAsync(S3ChunkStore store, string image, string snapshot, string copyId, string? baseCopyId, IReadOnlyList<ByteRange>? changed)
    {
        using var reader = new FileBlockReader(image);
        var identity = new CopySource
        {
            Backend = "bench", Volume = "volume", VolumeId = "VOL-volume", SnapshotId = snapshot, SnapshotName = "snap-" + snapshot,
            SnapshotCreatedUtc = DateTime.UtcNow,
        };
        return await new SnapshotCopier(store).CopyAsync(
            new CopyRequest { Source = reader, Identity = identity, CopyId = copyId, BaseCopyId = baseCopyId, ChangedRanges = changed },
            new Silent(), CancellationToken.None);
    }

    private sealed class Silent : IOperationOutput
    {
        public void WriteVerbose(string message) { }
        public void WriteWarning(string message) => Console.Error.WriteLine("warning: " + message);
        public void WriteProgress(ProgressInfo progress) { }
        public void WriteError(StorageSnapshotException error) => Console.Error.WriteLine("error: " + error.Message);
    }
}

/// <summary>The gateway and rclone as the environment of tests/infrastructure/ceph.sh describes them.</summary>
internal sealed record S3Gateway(string Endpoint, string AccessKey, string SecretKey, string RcloneConfig)
{
    public static S3Gateway FromEnvironment() => new(
        Variable("STORAGESNAPSHOT_S3_ENDPOINT", "http://127.0.0.1:7480"),
        Variable("STORAGESNAPSHOT_S3_ACCESS_KEY", "STORAGESNAPSHOTTEST0001"),
        Variable("STORAGESNAPSHOT_S3_SECRET_KEY", "storagesnapshotTestSecretKey000000000001"),
        Variable("STORAGESNAPSHOT_S3_RCLONE_CONF", "/tmp/storagesnapshot-ceph-cluster/rgw/rclone.conf"));

    public AmazonS3Client AdminClient() => new(AccessKey, SecretKey, new AmazonS3Config
    {
        ServiceURL = Endpoint, AuthenticationRegion = "us-east-1", ForcePathStyle = true,
        RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = Amazon.Runtime.ResponseChecksumValidation.WHEN_REQUIRED,
    });

    public Dictionary<string, string> StoreProperties() => new(StringComparer.OrdinalIgnoreCase)
    {
        [S3Place.AccessKeyIdProperty] = AccessKey, [S3Place.SecretAccessKeyProperty] = SecretKey,
        [S3Place.RegionProperty] = "us-east-1", [S3Place.ForcePathStyleProperty] = "true",
    };

    /// <summary>Runs a tool (ArgumentList) and returns its output; throws with its error output when it fails.</summary>
    public string Run(string tool, params string[] arguments)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        info.Environment.Remove("AWS_CA_BUNDLE"); // breaks some S3 clients on plain-HTTP endpoints
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{tool} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} failed: {stderr.Trim()}");
        return stdout.GetAwaiter().GetResult();
    }

    /// <summary>
    /// Deletes what a run wrote (prefixes or objects of <paramref name="bucket"/>) and has the gateway free the space at
    /// once: it otherwise keeps deleted data for its garbage collector's two hours, and a few runs of 2 GiB fill the
    /// 16 GiB test cluster (every other test's writes then fail). Without radosgw-admin the space comes back later.
    /// </summary>
    public void Discard(string bucket, params string[] paths)
    {
        foreach (var path in paths) Run("rclone", "--config", RcloneConfig, path.EndsWith(".img", StringComparison.Ordinal) ? "deletefile" : "purge", $"rgw:{bucket}/{path}");
        try
        {
            var conf = Variable("STORAGESNAPSHOT_CEPH_CONF", "/tmp/storagesnapshot-ceph-cluster/ceph.conf");
            Run("radosgw-admin", "--conf", conf, "gc", "process", "--include-all");
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            Console.WriteLine($"  (radosgw-admin gc process failed, the space of deleted objects comes back later: {e.Message})");
        }
    }

    private static string Variable(string name, string fallback) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : fallback;
}
