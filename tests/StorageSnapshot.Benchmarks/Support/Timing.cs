namespace StorageSnapshot.Benchmarks.Support;

/// <summary>What one timed command took: wall-clock time and the peak resident memory of its process.</summary>
internal sealed record Timing(TimeSpan Elapsed, long PeakRssBytes)
{
    public static Timing operator +(Timing a, Timing b) => new(a.Elapsed + b.Elapsed, Math.Max(a.PeakRssBytes, b.PeakRssBytes));
}
