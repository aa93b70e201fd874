namespace StorageSnapshot.Benchmarks.EndToEnd;

/// <summary>A step of the benchmark, as a row of the table.</summary>
internal sealed record Step(string Name, int Order)
{
    public static readonly Step Full = new("full backup", 0);
    public static readonly Step Restore = new("restore (new volume / file)", 1);
    public static readonly Step Verify = new("verify every byte", 2);

    public static Step Incremental(int percent) => new($"incremental after {percent} % changed", 10 + percent);
}

/// <summary>The figures of one run.</summary>
internal sealed class RunResult
{
    public Dictionary<(Step Step, string Contender), Timing> Timings { get; } = new();
    public TimeSpan DeviceRead { get; set; }
    public TimeSpan DeviceWrite { get; set; }
    public TimeSpan PwshStart { get; set; }

    public void Add(Step step, IContender contender, Timing timing)
    {
        // cp has no incremental: it says so with a negative RSS, and the cell stays empty.
        if (timing.PeakRssBytes >= 0) Timings[(step, contender.Name)] = timing;
    }
}

/// <summary>The table of medians, the ratios against each baseline, and the issue-11 goals.</summary>
internal static class Report
{
    private static readonly string[] Contenders = ["StorageSnapshot", "restic", "borg", "cp + sync"];

    public static void Print(long size, IReadOnlyList<RunResult> runs)
    {
        var steps = runs.SelectMany(r => r.Timings.Keys.Select(k => k.Step)).Distinct().OrderBy(s => s.Order).ToList();
        TimeSpan? Median(Step step, string contender)
        {
            var values = runs.Where(r => r.Timings.ContainsKey((step, contender))).Select(r => r.Timings[(step, contender)].Elapsed).Order().ToList();
            return values.Count == 0 ? null : values[values.Count / 2];
        }

        Console.WriteLine();
        Console.WriteLine($"medians of {runs.Count} run(s), seconds; every step cold (data; the tools' programs warm); ratio = the other tool's time / StorageSnapshot's (> 1: StorageSnapshot is faster)");
        Console.WriteLine($"(the cp column's verify is sha256sum of the copied image; StorageSnapshot's times include pwsh start + Import-Module, {Seconds(MedianOf(runs, r => r.PwshStart))} s)");
        var header = new[] { "step" }.Concat(Contenders).Concat(["vs cp", "vs restic", "vs borg"]).ToArray();
        var rows = new List<string[]>();
        foreach (var step in steps)
        {
            var ours = Median(step, "StorageSnapshot");
            var cells = new List<string> { step.Name };
            cells.AddRange(Contenders.Select(c => Median(step, c) is { } t ? Seconds(t) : ""));
            foreach (var other in new[] { "cp + sync", "restic", "borg" })
                cells.Add(ours is { } o && Median(step, other) is { } t ? $"{t / o:0.00}x" : "");
            rows.Add(cells.ToArray());
        }
        Table(header, rows);

        var peak = runs.SelectMany(r => r.Timings.Where(t => t.Key.Contender == "StorageSnapshot").Select(t => t.Value.PeakRssBytes)).DefaultIfEmpty().Max();
        var read = MedianOf(runs, r => r.DeviceRead);
        var write = MedianOf(runs, r => r.DeviceWrite);
        Console.WriteLine();
        Console.WriteLine($"device (dd, O_DIRECT, 4 MiB blocks, same filesystem): read {Figures.Rate(size, read)}, write {Figures.Rate(size, write)}; " +
                          $"so reading + writing {size >> 20} MiB takes at least {Seconds(read + write)} s when they do not overlap");
        Console.WriteLine($"StorageSnapshot peak RSS (pwsh process, any step): {peak / (double)(1 << 20):0} MiB");

        Console.WriteLine();
        Console.WriteLine("goals (issue 11)");
        var goals = new List<string[]>();
        void Goal(string what, Step step, string other, double wanted)
        {
            var ours = Median(step, "StorageSnapshot");
            var theirs = Median(step, other);
            if (ours is null || theirs is null) return;
            var ratio = theirs.Value / ours.Value;
            goals.Add([what, $">= {wanted:0.0#}x", $"{ratio:0.00}x", ratio >= wanted ? "met" : "NOT met"]);
        }
        Goal("full backup vs cp + sync", Step.Full, "cp + sync", 1.0);
        Goal("full backup vs restic", Step.Full, "restic", 2.0);
        Goal("incremental (5 %) vs borg", Step.Incremental(5), "borg", 2.0);
        Goal("incremental (5 %) vs restic", Step.Incremental(5), "restic", 3.0);
        Goal("restore vs cp + sync", Step.Restore, "cp + sync", 1.0);
        Goal("restore vs borg", Step.Restore, "borg", 1.5);
        Goal("verify vs borg check --verify-data", Step.Verify, "borg", 1.5);
        goals.Add(["peak memory", "<= 256 MiB", $"{peak / (double)(1 << 20):0} MiB", peak <= 256L << 20 ? "met" : "NOT met"]);
        Table(["goal", "wanted", "measured", ""], goals);
    }

    private static TimeSpan MedianOf(IReadOnlyList<RunResult> runs, Func<RunResult, TimeSpan> figure)
    {
        var values = runs.Select(figure).Order().ToList();
        return values[values.Count / 2];
    }

    private static string Seconds(TimeSpan t) => $"{t.TotalSeconds:0.00}";

    private static void Table(string[] header, List<string[]> rows)
    {
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Select(r => r[i].Length).DefaultIfEmpty().Max())).ToArray();
        Console.WriteLine("| " + string.Join(" | ", header.Select((h, i) => h.PadRight(widths[i]))) + " |");
        Console.WriteLine("|" + string.Join("|", widths.Select(w => new string('-', w + 2))) + "|");
        foreach (var row in rows) Console.WriteLine("| " + string.Join(" | ", row.Select((c, i) => c.PadRight(widths[i]))) + " |");
    }
}
