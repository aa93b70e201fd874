using System.Diagnostics;
using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Policies;
using static StorageSnapshot.Benchmarks.Support.BenchmarkArguments;

namespace StorageSnapshot.Benchmarks;

/// <summary>
/// Issue 15's target: the retention plan of 100,000 snapshots under 1,000 policies' volumes in ≤ 1 s. The snapshots
/// are in memory (as the façade holds them after one read of the inventory: the read is the inventory benchmark's
/// business); the plan is <see cref="PolicyRetention.PlanAll"/> with GFS rules in a zone with daylight saving.
/// Baseline in the same run: sorting the same snapshots by volume and time (what any plan must at least do), so
/// the ratio says what the calendar arithmetic and the decisions cost on top.
/// Options: --policies N (1000) --volumes-per-policy N (10) --per-volume N (10) --iterations N (7).
/// </summary>
internal static class RetentionBenchmark
{
    public static Task<int> RunAsync(string[] args)
    {
        var policies = Option(args, "--policies", 1000);
        var volumesPerPolicy = Option(args, "--volumes-per-policy", 10);
        var perVolume = Option(args, "--per-volume", 10);
        var iterations = Option(args, "--iterations", 7);

        var at = new DateTime(2027, 6, 1, 2, 0, 0, DateTimeKind.Utc);
        var rules = new RetentionRules { Last = 3, Hourly = 24, Daily = 7, Weekly = 4, Monthly = 12, Yearly = 3, MaxAge = TimeSpan.FromDays(400) };
        var definitions = Enumerable.Range(0, policies).Select(p => new SnapshotPolicy
        {
            Id = $"P{p:D6}", Name = $"policy-{p:D4}", Schedules = ["0 2 * * *"], TimeZone = "Europe/Berlin", Retention = rules,
        }).ToList();
        var random = new Random(15);
        var snapshots = new List<Snapshot>(policies * volumesPerPolicy * perVolume);
        for (var p = 0; p < policies; p++)
        {
            for (var v = 0; v < volumesPerPolicy; v++)
            {
                var volumeId = $"V{p:D4}{v:D3}";
                for (var s = 0; s < perVolume; s++)
                {
                    // Nightly slots going back from the plan's time, with a random gap now and then.
                    var slot = at.Date.AddHours(1).AddDays(-(s * (1 + random.Next(3))));
                    snapshots.Add(new Snapshot
                    {
                        Id = $"S{p:D4}{v:D3}{s:D4}", Name = $"n{s}", VolumeId = volumeId, Volume = $"vol{v}", Backend = "bench",
                        CreatedUtc = slot, State = SnapshotState.Ready, ClientToken = PolicyTokens.For(definitions[p].Name, slot),
                    });
                }
            }
        }
        var facts = new PolicyRetention.Facts(snapshots, [], [], new Dictionary<string, string>());
        Console.WriteLine($"{snapshots.Count:N0} snapshots on {policies * volumesPerPolicy:N0} volumes under {policies:N0} policies; rules {rules}; " +
                          $"{Environment.ProcessorCount} cores; median of {iterations} after one warm-up, interleaved.");

        var plans = new List<double>();
        var sorts = new List<double>();
        var removed = 0;
        for (var i = 0; i <= iterations; i++)
        {
            var clock = Stopwatch.StartNew();
            var sorted = snapshots.OrderBy(s => s.VolumeId, StringComparer.Ordinal).ThenByDescending(s => s.CreatedUtc).ToList();
            clock.Stop();
            if (i > 0) sorts.Add(clock.Elapsed.TotalMilliseconds);
            GC.KeepAlive(sorted);

            clock.Restart();
            var plan = PolicyRetention.PlanAll(definitions, facts, at);
            clock.Stop();
            if (i > 0) plans.Add(clock.Elapsed.TotalMilliseconds);
            removed = plan.Count(item => item.Action == RetentionAction.Remove);
            if (plan.Count != snapshots.Count) throw new InvalidOperationException($"The plan has {plan.Count} items for {snapshots.Count} snapshots.");
        }
        var planMs = Median(plans);
        var sortMs = Median(sorts);
        Console.WriteLine();
        Console.WriteLine($"{"measure",-46} {"median ms",10} {"ratio",7}");
        Console.WriteLine($"{"sort by volume and time (baseline)",-46} {sortMs,10:0.0} {1.0,7:0.00}");
        Console.WriteLine($"{"retention plan (PlanAll)",-46} {planMs,10:0.0} {planMs / sortMs,7:0.00}");
        Console.WriteLine();
        Console.WriteLine($"{removed:N0} of {snapshots.Count:N0} planned for removal. Target ≤ 1000 ms: {(planMs <= 1000 ? "met" : "MISSED")}.");
        return Task.FromResult(planMs <= 1000 ? 0 : 1);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
