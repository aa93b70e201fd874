using System.Globalization;
using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Tests.Infrastructure;
using StorageSnapshot.TestHost.Faults;

namespace StorageSnapshot.Engine.Tests.Faults;

/// <summary>
/// The kill loop: each run a real child process performs one operation — create a volume or a snapshot, revert,
/// clone, remove a snapshot or a volume, copy, restore in place or into a new volume, remove a copy — chosen by
/// <see cref="KillLoopPlanner"/>, and the test SIGKILLs it at a random moment between its GO (engine open) and the
/// operation's expected end; the next open marks what it left NeedsRecovery and <see cref="InvariantChecker"/>
/// checks everything. Before each run a "hypervisor" writes into a volume, so every snapshot, copy, revert and
/// restore moves real bytes. Every <see cref="RunsPerWorld"/> runs the world is settled (copies left Removing are
/// removed again, unreferenced chunks collected with no grace period, and then every chunk must be referenced and
/// no temporary file left) and replaced, which keeps the checks fast.
/// </summary>
internal sealed class KillLoop
{
    /// <summary>Eight 64 KiB chunks per volume.</summary>
    public const long VolumeSize = 8L * FaultWorld.ChunkSize;

    public const int RunsPerWorld = 30;

    private readonly Random random;
    private readonly int seed;
    private readonly int stream;
    private readonly FaultTally tally;
    private readonly Dictionary<FaultOperationKind, double> windowMs = new();

    /// <param name="seed">The printed seed.</param>
    /// <param name="stream">Which of the loops run side by side this is: its random source is seeded with seed + stream.</param>
    public KillLoop(int seed, int stream, FaultTally tally)
    {
        this.seed = seed;
        this.stream = stream;
        random = new Random(unchecked(seed + stream));
        this.tally = tally;
    }

    public async Task RunAsync(int runs)
    {
        FaultWorld? world = null;
        try
        {
            for (var run = 0; run < runs; run++)
            {
                if (run % RunsPerWorld == 0)
                {
                    if (world is not null)
                    {
                        await SettleAsync(world, run);
                        await world.DisposeAsync();
                    }
                    world = await NewWorldAsync();
                }
                await RunOnceAsync(world!, run);
            }
            if (world is not null) await SettleAsync(world, runs);
        }
        finally
        {
            if (world is not null) await world.DisposeAsync();
        }
    }

    private async Task<FaultWorld> NewWorldAsync()
    {
        var world = await FaultWorld.CreateAsync($"kill{stream}");
        await world.NewVolumeAsync("a", VolumeSize);
        await world.WriteAsync("a", 1, new[] { 0, 1, 2, 5 });
        await world.SnapshotAsync("a", "a1");
        await world.NewVolumeAsync("b", VolumeSize);
        await world.WriteAsync("b", 2, new[] { 3, 4, 7 });
        return world;
    }

    private async Task RunOnceAsync(FaultWorld world, int run)
    {
        var before = await world.ReadStateAsync();
        var operation = KillLoopPlanner.Next(before, random, run);

        // The hypervisor writes first (random chunks with data, some zeroed), into one Available volume.
        var writable = before.Volumes.Where(v => v.State == VolumeState.Available).OrderBy(v => v.Name, StringComparer.Ordinal).ToList();
        var target = writable.Count > 0 ? writable[random.Next(writable.Count)] : null;
        var chunks = Enumerable.Range(0, (int)(VolumeSize / FaultWorld.ChunkSize)).Where(_ => random.Next(3) == 0).ToArray();
        var zeroed = Enumerable.Range(0, (int)(VolumeSize / FaultWorld.ChunkSize)).Where(c => !chunks.Contains(c) && random.Next(6) == 0).ToArray();
        if (target is not null) world.WriteInto(target, random, chunks, zeroed);

        // The kill lands uniformly within the operation's measured length (a little past it, so some complete).
        var fraction = random.NextDouble();
        TimeSpan? kill = windowMs.TryGetValue(operation.Kind, out var window) ? TimeSpan.FromMilliseconds(fraction * window * 1.15) : null;
        var childClock = System.Diagnostics.Stopwatch.StartNew();
        var outcome = FaultChild.Run(world, new FaultRun { Operation = operation }, kill);
        tally.AddChildTime(childClock.Elapsed, outcome.StartToGo);
        if (!outcome.Killed)
        {
            var measured = outcome.GoToEnd.TotalMilliseconds;
            windowMs[operation.Kind] = window == 0 ? measured : 0.7 * window + 0.3 * measured;
        }

        await world.ReopenAsync();
        var after = await world.SettleModelAsync();
        var checkClock = System.Diagnostics.Stopwatch.StartNew();
        var report = await InvariantChecker.CheckAsync(world, after, CheckMode.ProcessesDied);
        tally.AddCheckTime(checkClock.Elapsed);
        if (outcome.Result?.StartsWith("RAW ", StringComparison.Ordinal) == true) report.Violation("error", $"an untyped exception escaped: {outcome.Result}");
        if (!outcome.Killed && outcome.Result is null) report.Violation("harness", $"the child neither finished nor was killed: {outcome.Output}");

        var where = outcome.Killed ? KillPoint(before, after) : "not killed";
        if (outcome.Killed) tally.Count("SIGKILLs that landed");
        var label = string.Create(CultureInfo.InvariantCulture, $"stream {stream} run {run} (seed {seed}) {operation} kill {(kill is { } k ? $"{k.TotalMilliseconds:0.0} ms" : "none: calibrating")} after GO");
        tally.Record(label, outcome.Killed ? 1 : 0, $"{operation.Kind}: {(outcome.Killed ? where : outcome.Summary)}", report);
    }

    /// <summary>Where the kill landed, as the journal tells it.</summary>
    private static string KillPoint(InventoryState before, InventoryState after)
    {
        var known = before.Operations.Select(o => o.Id).ToHashSet(StringComparer.Ordinal);
        var fresh = after.Operations.Where(o => !known.Contains(o.Id)).ToList();
        if (fresh.Any(o => o.State == OperationState.NeedsRecovery)) return "killed mid-operation, left NeedsRecovery";
        if (after.Copies.Count(c => c.State == CopyState.Removing) > before.Copies.Count(c => c.State == CopyState.Removing)) return "killed mid-removal of a copy, left Removing";
        if (fresh.Count > 0) return "killed after its outcome was recorded";
        return "killed before anything was recorded";
    }

    /// <summary>
    /// End of a world: what a user can settle without a repair command is settled, then the repository is collected
    /// with no grace period; afterwards every chunk must be referenced by a manifest and no temporary file be left.
    /// </summary>
    private async Task SettleAsync(FaultWorld world, int run)
    {
        var context = new OperationContext(new RecordingOutput(), static (_, _) => true, CancellationToken.None);
        var state = await world.ReadStateAsync();
        var problems = new CheckReport();
        tally.Count("copies left Removing by a kill, removed by running the removal again", await RemovingCopies.SettleAsync(world, problems));
        state = await world.ReadStateAsync();
        if (state.Copies.FirstOrDefault(c => c.State == CopyState.Copied) is { } last)
        {
            await world.Engine.RemoveSnapshotCopyAsync(last.Id, context, TimeSpan.Zero); // collects with no grace period
            state = await world.SettleModelAsync();
            var checkClock = System.Diagnostics.Stopwatch.StartNew();
            var report = await InvariantChecker.CheckAsync(world, state, CheckMode.ProcessesDied);
            tally.AddCheckTime(checkClock.Elapsed);
            problems.Violations.AddRange(report.Violations);
            if (report.UnreferencedChunks > 0) problems.Violation("unknown file", $"{report.UnreferencedChunks} unreferenced chunk(s) survived a collection with no grace period");
            var temporaries = Directory.EnumerateFiles(Path.Combine(world.RepositoryPath, "tmp")).Select(Path.GetFileName).ToList();
            if (temporaries.Count > 0) problems.Violation("unknown file", $"temporary files survived a collection with no grace period: {string.Join(", ", temporaries)}");
        }
        tally.Checked($"stream {stream}: world settled after run {run - 1} (seed {seed})", problems);
    }
}
