namespace StorageSnapshot.Benchmarks;

/// <summary>PLACEHOLDER: inventory at scale (100,000 snapshots) lands with the inventory work.</summary>
internal static class InventoryBenchmark
{
    public static Task<int> RunAsync(string[] args)
    {
        Console.Error.WriteLine("inventory benchmark not written yet");
        return Task.FromResult(1);
    }
}
