namespace StorageSnapshot.Benchmarks.Support;

/// <summary>
/// How the suites print sizes, times and rates, where their formats are the same (a suite with another precision,
/// such as the driver suite's two-decimal MiB, keeps its own). Formatted as before the suites shared them.
/// </summary>
internal static class Figures
{
    /// <summary>Bytes in MiB with one decimal: "138.4 MiB".</summary>
    public static string Mib(long bytes) => $"{bytes / (double)(1 << 20):0.0} MiB";

    /// <summary>Whole milliseconds: "4817 ms".</summary>
    public static string Ms(TimeSpan elapsed) => $"{elapsed.TotalMilliseconds:0} ms";

    /// <summary>Decimal megabytes per second: "445 MB/s".</summary>
    public static string Rate(long bytes, TimeSpan elapsed) => $"{bytes / elapsed.TotalSeconds / 1e6:0} MB/s";

    /// <summary>Time and rate of moving <paramref name="bytes"/>: "4817 ms (445 MB/s)".</summary>
    public static string Describe(long bytes, TimeSpan elapsed) => $"{Ms(elapsed)} ({Rate(bytes, elapsed)})";

    /// <summary>A step/figure/goal table, two spaces in from the left, the columns padded to their widest entry.</summary>
    public static void PrintRows(IReadOnlyList<(string What, string Figure, string Goal)> rows)
    {
        var width = rows.Max(r => r.What.Length);
        var figureWidth = rows.Max(r => r.Figure.Length);
        Console.WriteLine($"  {"step".PadRight(width)}  {"figure".PadRight(figureWidth)}  goal");
        foreach (var (what, figure, goal) in rows) Console.WriteLine($"  {what.PadRight(width)}  {figure.PadRight(figureWidth)}  {goal}");
    }
}
