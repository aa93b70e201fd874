using System.Diagnostics;

namespace StorageSnapshot.Benchmarks.Support;

/// <summary>Repeated timing of one short step, for the suites that report medians.</summary>
internal static class Sampling
{
    /// <summary>Runs <paramref name="work"/> once untimed (warm-up: JIT, caches), then <paramref name="count"/> times; the median in milliseconds.</summary>
    public static async Task<double> MedianAsync(int count, Func<Task> work)
    {
        await work(); // warm-up
        var samples = new double[count];
        for (var i = 0; i < count; i++)
        {
            var watch = Stopwatch.StartNew();
            await work();
            samples[i] = watch.Elapsed.TotalMilliseconds;
        }
        Array.Sort(samples);
        return samples[count / 2];
    }
}
