namespace StorageSnapshot.TestHost;

/// <summary>Scenarios for the orchestration tests (volume locks across processes, crash recovery).</summary>
internal static class OrchestrationScenarios
{
    public static Task<int> RunAsync(string[] args)
    {
        Console.Error.WriteLine($"unknown orchestration scenario: {string.Join(' ', args)}");
        return Task.FromResult(64);
    }
}
