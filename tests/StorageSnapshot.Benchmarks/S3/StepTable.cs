using System.Globalization;

namespace StorageSnapshot.Benchmarks.S3;

/// <summary>
/// The figures of several runs, one row per step: the median wall time and CPU, and for a step measured against a
/// baseline (rclone) the median over runs of the ratio baseline ÷ step, measured in the same run, with each run's
/// ratio beside it.
/// </summary>
internal sealed class StepTable
{
    private readonly List<Row> _rows = [];

    private sealed record Row(string Name, long Bytes, string? Baseline, string Goal)
    {
        public List<StepCost> Costs { get; } = [];
        public string Note { get; set; } = "";
    }

    /// <summary>Adds one run's figure for a step (<paramref name="baseline"/>: the row it is compared with).</summary>
    public void Add(string name, StepCost cost, long bytes, string? baseline = null, string goal = "", string note = "")
    {
        var row = _rows.FirstOrDefault(r => r.Name == name);
        if (row is null) _rows.Add(row = new Row(name, bytes, baseline, goal));
        row.Costs.Add(cost);
        if (note.Length > 0) row.Note = note;
        Console.WriteLine($"  {name}: {cost.Wall.TotalSeconds:0.00} s (client CPU {cost.ClientCpu.TotalSeconds:0.0} s, gateway CPU {cost.GatewayCpu.TotalSeconds:0.0} s){(note.Length > 0 ? "; " + note : "")}");
    }

    /// <summary>The median over runs of baseline ÷ step (null without a baseline), and each run's ratio.</summary>
    public (double Median, double[] Runs)? Ratio(string name)
    {
        var row = _rows.First(r => r.Name == name);
        if (row.Baseline is null) return null;
        var baseline = _rows.First(r => r.Name == row.Baseline);
        var ratios = row.Costs.Zip(baseline.Costs, (ours, theirs) => theirs.Wall / ours.Wall).ToArray();
        return (Median(ratios), ratios);
    }

    public void Print(string title)
    {
        Console.WriteLine(title);
        var lines = new List<string[]> { new[] { "step", "median", "MB/s", "client CPU", "gateway CPU", "vs rclone (runs)", "goal", "last run" } };
        foreach (var row in _rows)
        {
            var wall = Median(row.Costs.Select(c => c.Wall.TotalSeconds));
            var ratio = Ratio(row.Name) is { } r
                ? $"{r.Median:0.00}x ({string.Join(" ", r.Runs.Select(x => x.ToString("0.00", CultureInfo.InvariantCulture)))})"
                : "";
            lines.Add([
                row.Name, $"{wall:0.00} s", row.Bytes > 0 ? $"{row.Bytes / wall / 1e6:0}" : "",
                $"{Median(row.Costs.Select(c => c.ClientCpu.TotalSeconds)):0.0} s", $"{Median(row.Costs.Select(c => c.GatewayCpu.TotalSeconds)):0.0} s",
                ratio, row.Goal, row.Note,
            ]);
        }
        var widths = Enumerable.Range(0, lines[0].Length).Select(i => lines.Max(l => l[i].Length)).ToArray();
        foreach (var line in lines) Console.WriteLine("  " + string.Join("  ", line.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
