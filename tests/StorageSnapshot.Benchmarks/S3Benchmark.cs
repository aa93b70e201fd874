using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Amazon.S3;
using StorageSnapshot.Engine.Drivers.RawImages;
using StorageSnapshot.Engine.Secondary.Copy;
using StorageSnapshot.Engine.Secondary.Repository;
using StorageSnapshot.Engine.Secondary.Restore;
using StorageSnapshot.Engine.Secondary.S3;

namespace StorageSnapshot.Benchmarks;

/// <summary>
/// Copies to S3 (the RADOS Gateway of tests/infrastructure/ceph.sh) against `rclone copyto` of the same image to the
/// same bucket, in one run: full copy, incremental copy after 1 % change (bytes PUT against the changed chunks), restore
/// against `rclone copyto` back, and a second full copy of the unchanged volume (PUTs against chunks: HEAD/412 only).
/// Store level: the shipped SnapshotCopier / CopyRestorer over an image file read by the directory driver's
/// FileBlockReader, into the shipped S3ChunkStore; request counts from S3RequestCounts.
/// Usage: s3 [--size-mib N (1024)] [--chunk-mib N (4)]; reads STORAGESNAPSHOT_S3_* and the rclone configuration
/// (`eval "$(bash tests/infrastructure/ceph.sh env)"`).
/// </summary>
internal static class S3Benchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var size = long.Parse(Option(args, "--size-mib") ?? "1024", CultureInfo.InvariantCulture) << 20;
        var chunkSize = int.Parse(Option(args, "--chunk-mib") ?? "4", CultureInfo.InvariantCulture) << 20;
        var endpoint = Variable("STORAGESNAPSHOT_S3_ENDPOINT", "http://127.0.0.1:7480");
        var accessKey = Variable("STORAGESNAPSHOT_S3_ACCESS_KEY", "STORAGESNAPSHOTTEST0001");
        var secretKey = Variable("STORAGESNAPSHOT_S3_SECRET_KEY", "storagesnapshotTestSecretKey000000000001");
        var rcloneConfig = Variable("STORAGESNAPSHOT_S3_RCLONE_CONF", "/tmp/storagesnapshot-ceph-cluster/rgw/rclone.conf");
        var bucket = $"storagesnapshot-bench-{Guid.NewGuid():N}"[..40];
        var work = Directory.CreateTempSubdirectory("storagesnapshot-s3bench-").FullName;
        var rows = new List<(string What, string Figure, string Goal)>();
        Console.WriteLine($"s3 benchmark: {size >> 20} MiB image of random data, {chunkSize >> 20} MiB chunks, {Environment.ProcessorCount} cores, " +
            $"RADOS Gateway at {endpoint}, bucket {bucket}, {DateTime.UtcNow:yyyy-MM-dd}");
        using var admin = new AmazonS3Client(accessKey, secretKey, new AmazonS3Config
        {
            ServiceURL = endpoint, AuthenticationRegion = "us-east-1", ForcePathStyle = true,
            RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = Amazon.Runtime.ResponseChecksumValidation.WHEN_REQUIRED,
        });
        await admin.PutBucketAsync(bucket);
        try
        {
            var image = Path.Combine(work, "volume.img");
            await using (var file = new FileStream(image, FileMode.CreateNew))
            {
                var buffer = new byte[4 << 20];
                for (long written = 0; written < size; written += buffer.Length)
                {
                    RandomNumberGenerator.Fill(buffer);
                    await file.WriteAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, size - written)));
                }
            }
            var properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                [S3Place.AccessKeyIdProperty] = accessKey, [S3Place.SecretAccessKeyProperty] = secretKey,
                [S3Place.RegionProperty] = "us-east-1", [S3Place.ForcePathStyleProperty] = "true",
            };
            var place = S3Place.Parse(S3Place.FormatLocation(endpoint, bucket, "repo", "bench"), properties, "bench");
            var chunks = (size + chunkSize - 1) / chunkSize;

            // Baseline: rclone copyto of the image into the same bucket.
            var rcloneUp = Time(() => Run("rclone", "--config", rcloneConfig, "copyto", image, $"rgw:{bucket}/baseline/volume.img"));
            rows.Add(("baseline: rclone copyto (upload)", Describe(size, rcloneUp), ""));

            // Full copy.
            CopyResult full;
            S3RequestCounts fullCounts;
            var clock = Stopwatch.StartNew();
            await using (var store = await S3ChunkStore.OpenAsync(place, new RepositoryFormat { ChunkSize = chunkSize, Compression = ChunkCompression.None }, null, null, CancellationToken.None))
            {
                full = await CopyAsync(store, image, "S1", null, null);
                fullCounts = store.Requests;
            }
            clock.Stop();
            rows.Add(("full copy to S3", $"{Describe(size, clock.Elapsed)}, {rcloneUp / clock.Elapsed:0.00}x rclone, {fullCounts.Puts} PUTs", ">= 1.0x"));

            // Incremental copy after 1 % change: 1 byte in each of 1 % of the chunks.
            var random = new Random(7);
            var changedChunks = Math.Max(1, (int)(chunks / 100));
            var changed = new List<ByteRange>();
            await using (var file = new FileStream(image, FileMode.Open))
            {
                foreach (var index in Enumerable.Range(0, (int)chunks).OrderBy(_ => random.Next()).Take(changedChunks).Order())
                {
                    var offset = (long)index * chunkSize + random.Next(chunkSize);
                    file.Position = offset;
                    file.WriteByte((byte)random.Next(256));
                    changed.Add(new ByteRange(offset, 1));
                }
            }
            S3RequestCounts incrementalCounts;
            clock.Restart();
            await using (var store = await S3ChunkStore.OpenAsync(place, null, null, null, CancellationToken.None))
            {
                await CopyAsync(store, image, "S2", full.Manifest.CopyId, changed);
                incrementalCounts = store.Requests;
            }
            clock.Stop();
            var changedBytes = (long)changedChunks * chunkSize;
            rows.Add(($"incremental copy after 1 % change ({changedChunks} chunks)",
                $"{Ms(clock.Elapsed)}, PUT {Mib(incrementalCounts.BytesPut)} = {(double)incrementalCounts.BytesPut / changedBytes:0.000}x the changed chunks", "<= 1.05x"));

            // Restore from S3 vs rclone copyto back.
            var back = Path.Combine(work, "baseline-back.img");
            var rcloneDown = Time(() => Run("rclone", "--config", rcloneConfig, "copyto", $"rgw:{bucket}/baseline/volume.img", back));
            File.Delete(back);
            var restored = Path.Combine(work, "restored.img");
            clock.Restart();
            await using (var store = await S3ChunkStore.OpenAsync(place, null, null, null, CancellationToken.None))
            {
                await using (var stream = new FileStream(restored, FileMode.CreateNew, FileAccess.Write)) stream.SetLength(size);
                await using var writer = new FileBlockWriter(restored);
                await new CopyRestorer(store).RestoreAsync(CopyIdOf("S2"), writer, new Silent(), CancellationToken.None);
            }
            clock.Stop();
            rows.Add(("baseline: rclone copyto (download)", Describe(size, rcloneDown), ""));
            rows.Add(("restore from S3", $"{Describe(size, clock.Elapsed)}, {rcloneDown / clock.Elapsed:0.00}x rclone", ">= 0.9x"));
            Run("cmp", image, restored);
            rows.Add(("  restored image equals the volume (cmp)", "yes", ""));
            File.Delete(restored);

            // Second full copy of the unchanged volume: every chunk read and offered, none stored again.
            S3RequestCounts againCounts;
            clock.Restart();
            await using (var store = await S3ChunkStore.OpenAsync(place, null, null, null, CancellationToken.None))
            {
                await CopyAsync(store, image, "S3", null, null);
                againCounts = store.Requests;
            }
            clock.Stop();
            rows.Add(("second full copy, unchanged volume",
                $"{Ms(clock.Elapsed)}, {againCounts.Puts} PUTs = {100.0 * againCounts.Puts / chunks:0.00} % of {chunks} chunks, {againCounts.AlreadyThere} x 412, {againCounts.Heads} HEADs", "PUTs <= 1 %"));
        }
        finally
        {
            Run("rclone", "--config", rcloneConfig, "purge", $"rgw:{bucket}");
            Directory.Delete(work, recursive: true);
        }
        Print(rows);
        return 0;
    }

    private static string CopyIdOf(string snapshot) => "COPY-" + snapshot;

    private static async Task<CopyResult> CopyAsync(S3ChunkStore store, string image, string snapshot, string? baseCopyId, IReadOnlyList<ByteRange>? changed)
    {
        using var reader = new FileBlockReader(image);
        var identity = new CopySource
        {
            Backend = "bench", Volume = "volume", VolumeId = "VOL-volume", SnapshotId = snapshot, SnapshotName = "snap-" + snapshot,
            SnapshotCreatedUtc = DateTime.UtcNow,
        };
        return await new SnapshotCopier(store).CopyAsync(
            new CopyRequest { Source = reader, Identity = identity, CopyId = CopyIdOf(snapshot), BaseCopyId = baseCopyId, ChangedRanges = changed },
            new Silent(), CancellationToken.None);
    }

    private static TimeSpan Time(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed;
    }

    private static string Variable(string name, string fallback) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : fallback;

    private static void Print(List<(string What, string Figure, string Goal)> rows)
    {
        var width = rows.Max(r => r.What.Length);
        var figureWidth = rows.Max(r => r.Figure.Length);
        Console.WriteLine($"  {"step".PadRight(width)}  {"figure".PadRight(figureWidth)}  goal");
        foreach (var (what, figure, goal) in rows) Console.WriteLine($"  {what.PadRight(width)}  {figure.PadRight(figureWidth)}  {goal}");
    }

    private static string Describe(long bytes, TimeSpan elapsed) => $"{Ms(elapsed)} ({bytes / elapsed.TotalSeconds / 1e6:0} MB/s)";

    private static string Ms(TimeSpan elapsed) => $"{elapsed.TotalMilliseconds:0} ms";

    private static string Mib(long bytes) => $"{bytes / (double)(1 << 20):0.0} MiB";

    private static string Run(string tool, params string[] arguments)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        info.Environment.Remove("AWS_CA_BUNDLE"); // breaks some S3 clients on plain-HTTP endpoints
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{tool} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} failed: {stderr.Trim()}");
        return stdout.Result;
    }

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private sealed class Silent : IOperationOutput
    {
        public void WriteVerbose(string message) { }
        public void WriteWarning(string message) => Console.Error.WriteLine("warning: " + message);
        public void WriteProgress(ProgressInfo progress) { }
        public void WriteError(StorageSnapshotException error) => Console.Error.WriteLine("error: " + error.Message);
    }
}
