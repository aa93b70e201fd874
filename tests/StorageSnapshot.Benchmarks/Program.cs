// Benchmarks: `dotnet run -c Release --project tests/StorageSnapshot.Benchmarks -- <suite> [options]`.
// Each suite measures its baseline in the same run and prints a table of figures and ratios; none asserts.
using StorageSnapshot.Benchmarks;

var suites = new Dictionary<string, Func<string[], Task<int>>>(StringComparer.OrdinalIgnoreCase)
{
    ["inventory"] = InventoryBenchmark.RunAsync,
    ["inventory-postgres"] = PostgresInventoryBenchmark.RunAsync,
    ["copy"] = CopyBenchmark.RunAsync,
    ["driver"] = DriverBenchmark.RunAsync,
    ["orchestration"] = OrchestrationBenchmark.RunAsync,
    ["scale"] = ScaleBenchmark.RunAsync,
    ["local-drivers"] = args => OperatingSystem.IsLinux() ? LocalDriversBenchmark.RunAsync(args) : Task.FromResult(64),
    ["ceph"] = CephBenchmark.RunAsync,
    ["s3"] = StorageSnapshot.Benchmarks.S3.S3Benchmark.RunAsync,
    ["retention"] = RetentionBenchmark.RunAsync,
    ["e2e"] = StorageSnapshot.Benchmarks.EndToEnd.EndToEndBenchmark.RunAsync,
    ["runbook"] = StorageSnapshot.Benchmarks.EndToEnd.RunbookBenchmark.RunAsync,
};

// One step of the scale suite in a child process, so that its peak memory is its own.
if (args.Length == 2 && args[0] == "scale-phase") return await ScaleBenchmark.RunPhaseAsync(args[1..]);

if (args.Length == 0 || !suites.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"usage: StorageSnapshot.Benchmarks <{string.Join('|', suites.Keys)}> [options]");
    return 64;
}
return await run(args[1..]);
