using System.Diagnostics;
using StorageSnapshot.Engine.Drivers;
using DirectoryDriver = StorageSnapshot.Engine.Drivers.Directory.DirectoryDriver;
using FileBlockReader = StorageSnapshot.Engine.Drivers.RawImages.FileBlockReader;
using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Secondary;
using StorageSnapshot.Engine.Secondary.Copy;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.TestHost;

/// <summary>
/// Scenarios for the secondary-storage tests (copies killed at random points).
/// <c>secondary copy &lt;repository&gt; &lt;image file&gt; &lt;snapshot id&gt; [parallelism]</c>: copies the image into
/// the (existing) repository. Prints "copying" just before the copy starts and "committed &lt;copy id&gt; &lt;ms&gt;" when
/// it is committed, so a test can aim its SIGKILL at the copy and not at process start-up; on a refusal it
/// prints "error &lt;error id&gt; &lt;kind&gt;: &lt;message&gt;" and exits with 1.
/// <c>secondary restore-new &lt;home&gt; &lt;copy id&gt; &lt;volume name&gt; &lt;ms&gt;</c> and
/// <c>secondary restore-in-place &lt;home&gt; &lt;copy id&gt; &lt;ms&gt;</c>: New-StorageVolume -FromCopy / Restore-StorageSnapshot
/// -FromCopy through the engine (directory driver): two writes into the volume go through, every later one is
/// paused for ms milliseconds; READY is printed once the two have returned (part of the copy written, the volume
/// lock held, the journal entry Running). Then DONE &lt;volume id&gt;, or ERROR &lt;error id&gt; &lt;message&gt; and exit code 1.
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
        if (args is ["restore-new", var home, var copyId, var name, var ms])
            return await RestoreAsync(home, Milliseconds(ms), (engine, context) => engine.NewVolumeFromCopyAsync(new NewVolumeFromCopyRequest(name, copyId), context));
        if (args is ["restore-in-place", var home2, var copyId2, var ms2])
            return await RestoreAsync(home2, Milliseconds(ms2), (engine, context) => engine.RestoreSnapshotFromCopyAsync(copyId2, context));
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
        using var reader = new FileBlockReader(image); // the directory driver's own reader
        var copier = new SnapshotCopier(store, new TransferOptions { Parallelism = parallelism });
        var request = new CopyRequest
        {
            Source = reader,
            Identity = new CopySource { Backend = "lab", Volume = "crash", VolumeId = "VOL-crash", SnapshotId = snapshotId, SnapshotName = snapshotId, SnapshotCreatedUtc = DateTime.UtcNow },
            // As the engine does: the copy is named before it starts (tests: SecondaryOps.CopyIdOf), so a rerun finds what a run committed.
            CopyId = "COPY-" + snapshotId,
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

    private static TimeSpan Milliseconds(string ms) => TimeSpan.FromMilliseconds(long.Parse(ms, System.Globalization.CultureInfo.InvariantCulture));

    private static async Task<int> RestoreAsync(string home, TimeSpan pause, Func<StorageSnapshotEngine, OperationContext, Task<Volume?>> restore)
    {
        // Two writes go through; every later one waits. READY once both have returned: their bytes are in the volume.
        var started = 0;
        var done = 0;
        var driver = new HookedDriver(new DirectoryDriver())
        {
            BeforeWrite = async (_, cancellationToken) =>
            {
                if (Interlocked.Increment(ref started) > 2) await Task.Delay(pause, cancellationToken);
            },
            AfterWrite = (_, _) =>
            {
                if (Interlocked.Increment(ref done) == 2)
                {
                    Console.Out.WriteLine("READY");
                    Console.Out.Flush();
                }
                return Task.CompletedTask;
            },
        };
        // A shared inventory when the parent says so (its bed on PostgreSQL): the home alone names only the SQLite file.
        var shared = Environment.GetEnvironmentVariable(EngineOptions.InventoryVariable);
        var options = new EngineOptions
        {
            HomeDirectory = home,
            Drivers = new DriverRegistry().Add(driver),
            InventoryConnectionString = string.IsNullOrWhiteSpace(shared) ? null : shared,
        };
        try
        {
            await using var engine = await StorageSnapshotEngine.OpenAsync(options, CancellationToken.None);
            var volume = await restore(engine, OperationContext.Unattended());
            Console.Out.WriteLine($"DONE {volume!.Id}");
            return 0;
        }
        catch (StorageSnapshotException ex)
        {
            Console.Out.WriteLine($"ERROR {ex.ErrorId} {ex.Message}");
            return 1;
        }
    }

    internal sealed class ConsoleOutput : IOperationOutput
    {
        public void WriteVerbose(string message) { }
        public void WriteWarning(string message) => Console.Error.WriteLine("WARNING: " + message);
        public void WriteProgress(ProgressInfo progress) { }
        public void WriteError(StorageSnapshotException error) => Console.Error.WriteLine("ERROR: " + error.Message);
    }
}
