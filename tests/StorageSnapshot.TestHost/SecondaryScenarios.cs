using System.Diagnostics;
using StorageSnapshot.Engine.Secondary;
using StorageSnapshot.Engine.Secondary.Copy;
using StorageSnapshot.Engine.Secondary.Repository;
using StorageSnapshot.Testing;

namespace StorageSnapshot.TestHost;

/// <summary>
/// Scenarios for the secondary-storage tests (copies killed at random points).
/// <c>secondary copy &lt;repository&gt; &lt;image file&gt; &lt;snapshot id&gt; [parallelism]</c>: copies the image into
/// the (existing) repository. Prints "copying" just before the copy starts and "committed &lt;copy id&gt; &lt;ms&gt;" when
/// it is committed, so a test can aim its SIGKILL at the copy and not at process start-up; on a refusal it
/// prints "error &lt;error id&gt; &lt;kind&gt;: &lt;message&gt;" and exits with 1.
/// </summary>
internal static class SecondaryScenarios
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args is ["copy", var repository, var image, var snapshotId, ..])
        {
            var parallelism = args.Length > 4 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : Environment.ProcessorCount;
            return await CopyAsync(repository, image, snapshotId, parallelism);
        }
        Console.Error.WriteLine($"unknown secondary scenario: {string.Join(' ', args)}");
        return 64;
    }

    private static async Task<int> CopyAsync(string repository, string image, string snapshotId, int parallelism)
    {
        FileSystemChunkStore store;
        try
        {
            store = await FileSystemChunkStore.OpenAsync(repository, CancellationToken.None);
        }
        catch (StorageSnapshotException e)
        {
            Console.Out.WriteLine($"error {e.ErrorId} {e.Kind}: {e.Message}");
            return 1;
        }
        await using var _ = store;
        using var reader = new FileBlockReader(image);
        var copier = new SnapshotCopier(store, new TransferOptions { Parallelism = parallelism });
        var request = new CopyRequest
        {
            Source = reader,
            Identity = new CopySource { Backend = "lab", Volume = "crash", VolumeId = "VOL-crash", SnapshotId = snapshotId, SnapshotName = snapshotId, SnapshotCreatedUtc = DateTime.UtcNow },
        };
        Console.Out.WriteLine("copying");
        Console.Out.Flush();
        var clock = Stopwatch.StartNew();
        try
        {
            var result = await copier.CopyAsync(request, new ConsoleOutput(), CancellationToken.None);
            Console.Out.WriteLine($"committed {result.Manifest.CopyId} {clock.ElapsedMilliseconds}");
            return 0;
        }
        catch (StorageSnapshotException e)
        {
            Console.Out.WriteLine($"error {e.ErrorId} {e.Kind}: {e.Message}");
            return 1;
        }
    }

    private sealed class ConsoleOutput : IOperationOutput
    {
        public void WriteVerbose(string message) { }
        public void WriteWarning(string message) => Console.Error.WriteLine("WARNING: " + message);
        public void WriteProgress(ProgressInfo progress) { }
        public void WriteError(StorageSnapshotException error) => Console.Error.WriteLine("ERROR: " + error.Message);
    }
}
