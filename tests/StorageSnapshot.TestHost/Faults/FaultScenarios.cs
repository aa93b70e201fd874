using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Drivers.Directory;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.TestHost.Faults;

/// <summary>
/// The fault suite's child process: <c>faults run &lt;home&gt; &lt;fault run as JSON&gt;</c> opens the engine on the home
/// folder with the directory driver and the repository wrapped in the <see cref="FaultPlan"/>, prints GO, arms
/// the plan and runs the one operation. A Kill fault ends the process with SIGKILL at its call; the test may also
/// kill it from outside at a random moment after GO. Otherwise it prints DONE &lt;result&gt;, or ERROR &lt;error id&gt;
/// &lt;message&gt; (exit code 1), or RAW &lt;exception type&gt; &lt;message&gt; (exit code 2) for an exception that is not a
/// StorageSnapshotException, which the engine must never let escape.
/// </summary>
internal static class FaultScenarios
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args is not ["run", var home, var json])
        {
            Console.Error.WriteLine($"unknown faults scenario: {string.Join(' ', args)}");
            return 64;
        }
        var run = FaultRun.FromJson(json);
        var plan = new FaultPlan { HangTimeout = TimeSpan.FromMilliseconds(run.HangTimeoutMs) };
        var options = Options(home, plan, TimeSpan.FromMilliseconds(run.LockTimeoutMs));
        try
        {
            await using var engine = await StorageSnapshotEngine.OpenAsync(options, CancellationToken.None);
            using var cancel = new CancellationTokenSource();
            Console.Out.WriteLine("GO");
            Console.Out.Flush();
            if (run.CancelAfterMs is { } ms) cancel.CancelAfter(ms);
            plan.Arm(run.First, run.Second);
            var result = await run.Operation.RunAsync(engine, new OperationContext(new StandardErrorOutput(), static (_, _) => true, cancel.Token));
            plan.Disarm();
            Console.Out.WriteLine($"DONE {result}");
            return 0;
        }
        catch (StorageSnapshotException e)
        {
            Console.Out.WriteLine($"ERROR {e.ErrorId} {OneLine(e.Message)}");
            return 1;
        }
        catch (Exception e)
        {
            Console.Out.WriteLine($"RAW {e.GetType().FullName} {OneLine(e.Message)}");
            return 2;
        }
    }

    /// <summary>The engine options every fault-suite process uses: the directory driver and the repository behind <paramref name="plan"/>.</summary>
    public static EngineOptions Options(string home, FaultPlan plan, TimeSpan lockTimeout)
    {
        var defaults = new EngineOptions { HomeDirectory = home };
        return defaults with
        {
            LockTimeout = lockTimeout,
            Drivers = new DriverRegistry().Add(new FaultInjectingDriver(new DirectoryDriver(), plan)),
            ChunkStores = FaultInjectingChunkStoreKind.Registry(plan),
        };
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    private sealed class StandardErrorOutput : IOperationOutput
    {
        public void WriteVerbose(string message) { }
        public void WriteWarning(string message) => Console.Error.WriteLine("WARNING: " + message);
        public void WriteProgress(ProgressInfo progress) { }
        public void WriteError(StorageSnapshotException error) => Console.Error.WriteLine("ERROR: " + error.Message);
    }
}
