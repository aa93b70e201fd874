using System.Globalization;
using Xunit.Abstractions;

namespace StorageSnapshot.Engine.Tests.Faults;

/// <summary>
/// The fault suite, part two: at least 300 operations in real child processes, each SIGKILLed at a random moment
/// (see <see cref="KillLoop"/>), in two streams side by side. The seed is printed first; STORAGESNAPSHOT_FAULT_SEED=&lt;seed&gt; replays the same
/// operations, targets, writes and kill delays (where in the operation a delay lands still depends on timing), and
/// STORAGESNAPSHOT_FAULT_RUNS changes the number of runs.
/// </summary>
public sealed class KillLoopTests
{
    private readonly ITestOutputHelper output;

    public KillLoopTests(ITestOutputHelper output)
    {
        this.output = output;
    }

    [Fact]
    public async Task Operations_SIGKILLed_at_random_points_leave_nothing_half_made_visible_and_record_what_needs_repair()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("STORAGESNAPSHOT_FAULT_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var given)
            ? given
            : Random.Shared.Next();
        var runs = int.TryParse(Environment.GetEnvironmentVariable("STORAGESNAPSHOT_FAULT_RUNS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var count)
            ? count
            : 300;
        var start = $"kill loop: seed {seed} (replay with STORAGESNAPSHOT_FAULT_SEED={seed}), {runs} runs";
        output.WriteLine(start);
        Console.Out.WriteLine(start);

        // Two loops side by side, each in its own world, half the runs each: one waits on its child while the other
        // checks, which uses both cores. Stream i draws from Random(seed + i).
        var tally = new FaultTally($"SIGKILL at random points, seed {seed}");
        await Task.WhenAll(
            Task.Run(() => new KillLoop(seed, 0, tally).RunAsync(runs - runs / 2)),
            Task.Run(() => new KillLoop(seed, 1, tally).RunAsync(runs / 2)));

        FaultReport.Print(output, tally);
        Assert.True(tally.Violations.Count == 0, $"{tally.Violations.Count} invariant violation(s) (seed {seed}):\n{string.Join("\n", tally.Violations.Take(50))}");
    }
}
