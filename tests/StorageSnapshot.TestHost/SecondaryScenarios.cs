namespace StorageSnapshot.TestHost;

/// <summary>Scenarios for the secondary-storage tests (copies killed at random points).</summary>
internal static class SecondaryScenarios
{
    public static Task<int> RunAsync(string[] args)
    {
        Console.Error.WriteLine($"unknown secondary scenario: {string.Join(' ', args)}");
        return Task.FromResult(64);
    }
}
