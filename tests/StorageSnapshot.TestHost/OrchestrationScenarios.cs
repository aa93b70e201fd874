using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Drivers.Directory;
using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Operations;

namespace StorageSnapshot.TestHost;

/// <summary>
/// Scenarios for the orchestration tests (volume locks across processes, crash recovery). Each prints READY on
/// its own line once it holds what the parent test races against, so the test knows when to race or to kill.
/// <list type="bullet">
/// <item><c>hold-lock &lt;home&gt; &lt;backend&gt; &lt;volume&gt; &lt;ms&gt;</c>: New-StorageSnapshot (named "held") on the
/// volume through the engine, with the directory driver's CreateSnapshot paused for ms milliseconds; READY is
/// printed inside the driver call (the volume lock held, the journal entry Running). Then DONE &lt;snapshot id&gt;.</item>
/// <item><c>hold-after-driver &lt;home&gt; &lt;backend&gt; &lt;volume&gt; &lt;ms&gt;</c>: the same, but READY is printed once the
/// driver has made the snapshot and before phase two records it (a crash there leaves a made snapshot unrecorded).</item>
/// <item><c>lock-file &lt;lock directory&gt; &lt;key&gt; &lt;ms&gt;</c>: takes the raw volume lock and holds it for ms
/// milliseconds: READY, or BUSY (exit code 3) when someone else holds it.</item>
/// </list>
/// With STORAGESNAPSHOT_INVENTORY set, the engine uses that PostgreSQL inventory (a second "host" sharing it).
/// In place of ms, <c>until-go</c> holds until the parent writes a line GO on standard input (or closes it): a
/// handshake, so that a test that races the holder never depends on how fast the machine is.
/// </summary>
internal static class OrchestrationScenarios
{
    public static async Task<int> RunAsync(string[] args)
    {
        switch (args)
        {
            case ["hold-lock", var home, var backend, var volume, var ms]:
                return await HoldLockAsync(home, backend, volume, ms, afterDriver: false);
            case ["hold-after-driver", var home, var backend, var volume, var ms]:
                return await HoldLockAsync(home, backend, volume, ms, afterDriver: true);
            case ["lock-file", var directory, var key, var ms]:
                return await LockFileAsync(directory, key, ms);
            default:
                Console.Error.WriteLine($"unknown orchestration scenario: {string.Join(' ', args)}");
                return 64;
        }
    }

    /// <summary>Waits ms milliseconds, or with "until-go" until standard input says GO or ends.</summary>
    private static async Task HoldAsync(string ms, CancellationToken cancellationToken)
    {
        if (ms != "until-go")
        {
            await Task.Delay(TimeSpan.FromMilliseconds(long.Parse(ms, System.Globalization.CultureInfo.InvariantCulture)), cancellationToken);
            return;
        }
        string? line;
        while ((line = await Console.In.ReadLineAsync(cancellationToken)) is not null && line != "GO")
        {
        }
    }

    private static async Task<int> HoldLockAsync(string home, string backend, string volume, string ms, bool afterDriver)
    {
        Func<string, CancellationToken, Task> hold = async (method, cancellationToken) =>
        {
            if (method != "CreateSnapshot") return;
            Console.Out.WriteLine("READY");
            Console.Out.Flush();
            await HoldAsync(ms, cancellationToken);
        };
        var driver = afterDriver ? new HookedDriver(new DirectoryDriver()) { After = hold } : new HookedDriver(new DirectoryDriver()) { Before = hold };
        // A shared inventory when the parent says so (two "hosts": two homes, one PostgreSQL database).
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
            var snapshot = await engine.NewSnapshotAsync(
                new NewSnapshotRequest(new VolumeSelector(Backend: backend, Name: volume)) { Name = "held" },
                OperationContext.Unattended());
            Console.Out.WriteLine($"DONE {snapshot!.Id}");
            return 0;
        }
        catch (StorageSnapshotException ex)
        {
            Console.Out.WriteLine($"ERROR {ex.ErrorId} {ex.Message}");
            return 1;
        }
    }

    private static async Task<int> LockFileAsync(string directory, string key, string ms)
    {
        using var volumeLock = VolumeLock.TryAcquire(directory, key);
        if (volumeLock is null)
        {
            Console.Out.WriteLine("BUSY");
            return 3;
        }
        Console.Out.WriteLine("READY");
        Console.Out.Flush();
        await HoldAsync(ms, CancellationToken.None);
        return 0;
    }
}
