namespace StorageSnapshot.Benchmarks;

/// <summary>PLACEHOLDER: copy to secondary storage vs cp + sync lands with the secondary-storage work.</summary>
internal static class CopyBenchmark
{
    public static Task<int> RunAsync(string[] args)
    {
        Console.Error.WriteLine("copy benchmark not written yet");
        return Task.FromResult(1);
    }
}
