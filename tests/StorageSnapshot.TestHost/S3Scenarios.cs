using StorageSnapshot.Engine.Secondary.S3;

namespace StorageSnapshot.TestHost;

/// <summary>
/// Scenarios for the S3 secondary-storage tests (a second process sharing a bucket with the test).
/// <c>s3 lock &lt;location&gt; &lt;shared|exclusive&gt; &lt;lease ms&gt; &lt;renew ms&gt; &lt;hold ms&gt;</c>: opens the repository at
/// location (credentials from STORAGESNAPSHOT_S3_ACCESS_KEY / _SECRET_KEY), takes the repository lock as a copy
/// (shared) or a collection (exclusive) does, prints "held", holds it for hold ms while renewing its lease, releases
/// it and prints "released". A test kills it with SIGKILL to leave an intent nobody renews.
/// <c>s3 copy &lt;location&gt; &lt;image file&gt; &lt;snapshot id&gt;</c>: copies the image into the repository at location as
/// <c>secondary copy</c> does into a directory: prints "copying" just before the copy starts and
/// "committed &lt;copy id&gt; &lt;ms&gt;" once committed, so a test can aim a SIGKILL at the copy.
/// </summary>
internal static class S3Scenarios
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args is ["copy", var repository, var image, var snapshotId])
            return await CopyAsync(repository, image, snapshotId);
        if (args is not ["lock", var location, var mode, var lease, var renew, var hold])
        {
            Console.Error.WriteLine($"unknown s3 scenario: {string.Join(' ', args)}");
            return 64;
        }
        var timings = new S3LeaseTimings(Ms(lease), Ms(renew), TimeSpan.FromMilliseconds(100));
        try
        {
            await using var store = await S3ChunkStore.OpenAsync(S3Place.Parse(location, Properties(), "child"), create: null, expectedId: null, timings, CancellationToken.None);
            await using (await store.LockRepositoryAsync(mode == "exclusive", TimeSpan.FromSeconds(30), CancellationToken.None))
            {
                Console.Out.WriteLine("held");
                Console.Out.Flush();
                await Task.Delay(Ms(hold));
            }
            Console.Out.WriteLine("released");
            return 0;
        }
        catch (Exception e) when (e is StorageSnapshotException or TimeoutException)
        {
            Console.Out.WriteLine($"error {e.Message}");
            return 1;
        }
    }

    private static Dictionary<string, string> Properties() => new(StringComparer.OrdinalIgnoreCase)
    {
        [S3Place.AccessKeyIdProperty] = Environment.GetEnvironmentVariable("STORAGESNAPSHOT_S3_ACCESS_KEY") ?? "",
        [S3Place.SecretAccessKeyProperty] = Environment.GetEnvironmentVariable("STORAGESNAPSHOT_S3_SECRET_KEY") ?? "",
        [S3Place.ForcePathStyleProperty] = "true",
    };

    private static async Task<int> CopyAsync(string location, string image, string snapshotId)
    {
        try
        {
            await using var store = await S3ChunkStore.OpenAsync(S3Place.Parse(location, Properties(), "child"), create: null, expectedId: null, timings: null, CancellationToken.None);
            using var reader = new StorageSnapshot.Engine.Drivers.RawImages.FileBlockReader(image);
            var copier = new StorageSnapshot.Engine.Secondary.Copy.SnapshotCopier(store, new StorageSnapshot.Engine.Secondary.TransferOptions());
            var request = new StorageSnapshot.Engine.Secondary.Copy.CopyRequest
            {
                Source = reader,
                Identity = new StorageSnapshot.Engine.Secondary.Repository.CopySource
                {
                    Backend = "lab", Volume = "crash", VolumeId = "VOL-crash", SnapshotId = snapshotId, SnapshotName = snapshotId, SnapshotCreatedUtc = DateTime.UtcNow,
                },
                CopyId = "COPY-" + snapshotId,
            };
            Console.Out.WriteLine("copying");
            Console.Out.Flush();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var result = await copier.CopyAsync(request, new SecondaryScenarios.ConsoleOutput(), CancellationToken.None);
            Console.Out.WriteLine($"committed {result.Manifest.CopyId} {clock.ElapsedMilliseconds}");
            return 0;
        }
        catch (StorageSnapshotException e)
        {
            Console.Out.WriteLine($"error {e.ErrorId} {e.Kind}: {e.Message}");
            return 1;
        }
    }

    private static TimeSpan Ms(string value) => TimeSpan.FromMilliseconds(long.Parse(value, System.Globalization.CultureInfo.InvariantCulture));
}
