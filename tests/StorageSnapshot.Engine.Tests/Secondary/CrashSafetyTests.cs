using System.Diagnostics;
using StorageSnapshot.Engine.Secondary.Repository;
using StorageSnapshot.Engine.Secondary.Verify;
using StorageSnapshot.Engine.Drivers.Directory;
using static StorageSnapshot.Engine.Tests.Secondary.SecondaryOps;
using StorageSnapshot.Engine.Tests.Infrastructure;
using Xunit.Abstractions;

namespace StorageSnapshot.Engine.Tests.Secondary;

/// <summary>
/// A copy in a child process killed with SIGKILL at random moments: no partial copy ever becomes visible,
/// every committed copy stays sound after every kill, and running the copy again completes and reuses what the
/// killed run stored. The kills must really happen: at least <see cref="KillFloor"/> of the <see cref="Runs"/>
/// children are killed while still running. The random choices come from one seed, printed (and named in every
/// failure) so that a failing run can be replayed with STORAGESNAPSHOT_CRASH_SEED=&lt;seed&gt;.
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class CrashSafetyTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>Set it to a seed a failure printed to replay that run's mutations and kill points.</summary>
    public const string SeedVariable = "STORAGESNAPSHOT_CRASH_SEED";
    // 256 KiB chunks: every committed copy is re-verified after every run, so the image is kept small (10 MiB) —
    // but longer than the write-behind window by 24 chunks, so that kills late in a copy leave named chunks to reuse.
    private const int Chunk = 256 << 10;
    private const int Chunks = Engine.Secondary.Repository.ChunkWriteBehind.MaxChunks + 24;
    private const int Runs = 52;
    private const int KillFloor = 40;
    // Every UncutEvery-th run is left to finish: those commit, so both sides of the commit are exercised.
    private const int UncutEvery = 13;
    private readonly SecondaryScratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task Copies_killed_at_random_points_leave_nothing_visible_and_complete_when_run_again()
    {
        var replay = Environment.GetEnvironmentVariable(SeedVariable);
        var seed = string.IsNullOrEmpty(replay) ? Random.Shared.Next() : int.Parse(replay, System.Globalization.CultureInfo.InvariantCulture);
        output.WriteLine($"seed {seed}: replay this run with {SeedVariable}={seed}");
        try
        {
            await KillAndCheckAsync(seed);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"Replay with {SeedVariable}={seed}. {e.Message}", e);
        }
    }

    private async Task KillAndCheckAsync(int seed)
    {
        var store = await _scratch.RepositoryAsync(chunkSize: Chunk);
        var random = new Random(seed);
        var image = _scratch.RandomImage("volume", (long)Chunks * Chunk, seed: random.Next());

        // Calibrate the kill window on uncut runs: a first full one, then one like those below.
        var committed = new List<string> { await RunUncutAsync(store, image, "CAL1") };
        MutateChunks(image, random, 6);
        committed.Add(await RunUncutAsync(store, image, "CAL2"));
        var window = LastCopyTime;
        var killed = 0;
        var killedBeforeCommit = 0;
        var reusedAfterKill = 0;
        var verifying = new Stopwatch();

        for (var run = 0; run < Runs; run++)
        {
            // Each run's volume differs from the last in more random chunks than the write-behind window holds, so
            // that a copy killed late has named some of its new chunks (reused by the rerun), and reuses the rest.
            MutateChunks(image, random, Engine.Secondary.Repository.ChunkWriteBehind.MaxChunks + 8);
            var snapshotId = $"RUN{run:D3}";
            var chunksBefore = await ChunkDigestsAsync(store);

            // Aimed inside the copy: a random moment within 0.8 x the latest uncut copy
            // (kills that come too late are counted against the floor below, not silently accepted). Every third
            // run aims at the second half of that window, where the new chunks are being stored (the first part of
            // a copy looks for an existing copy of the snapshot and plans; a kill there stores nothing).
            var uncut = run % UncutEvery == UncutEvery - 1;
            var fraction = run % 3 == 2 ? 0.6 + random.NextDouble() * 0.4 : random.NextDouble() * 0.8;
            var delay = uncut ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(fraction * window.TotalMilliseconds);
            var outcome = await RunAndKillAsync(store.Root, image, snapshotId, delay);
            if (outcome.Killed) killed++;
            // The latest uncut copy sets the window: copies slow down as the repository fills (a copy first looks
            // through the manifests for one of its snapshot), so the fastest one seen would aim ever earlier.
            if (outcome.CopyTime is { } copyTime) window = copyTime;

            // No visible partial copy: a manifest for the run exists only if the run got to commit it, and then it is whole.
            var manifests = await store.ListManifestsAsync(CancellationToken.None);
            var mine = (await Task.WhenAll(manifests.Select(id => store.ReadManifestAsync(id, CancellationToken.None))))
                .Where(m => m.Source.SnapshotId == snapshotId).ToList();
            Assert.True(mine.Count <= 1, $"run {run}: {mine.Count} manifests for one snapshot");
            if (outcome.Committed) Assert.True(mine.Count == 1, $"run {run} printed its commit but left no manifest");
            if (mine.Count == 1)
            {
                await AssertSoundAsync(store, mine[0].CopyId, image);
                committed.Add(mine[0].CopyId);
            }
            else
            {
                Assert.True(outcome.Killed, $"run {run} was not killed yet committed nothing");
                killedBeforeCommit++;
            }

            // Every copy committed so far, by any run, is undamaged by this kill.
            verifying.Start();
            await AssertAllSoundAsync(store, committed, run);
            verifying.Stop();
            if (mine.Count == 1) continue;

            // Running it again completes, storing exactly the chunks the killed run did not get to store.
            var storedByKilledRun = (await ChunkDigestsAsync(store)).Except(chunksBefore).ToHashSet();
            var needed = ImageDigests(image).Except(chunksBefore).ToHashSet();
            var rerun = await CopyFileAsync(store, image, snapshotId);
            Assert.False(rerun.AlreadyCopied);
            Assert.Equal(needed.Except(storedByKilledRun).Count(), rerun.Statistics.ChunksNew);
            if (storedByKilledRun.Count > 0) reusedAfterKill++;
            await AssertSoundAsync(store, rerun.Manifest.CopyId, image);
            committed.Add(rerun.Manifest.CopyId);
        }

        output.WriteLine($"{killed} of {Runs} runs killed while running ({killedBeforeCommit} before their commit), " +
            $"{reusedAfterKill} reruns reused chunks a killed run stored, {committed.Count} copies committed and verified after every run " +
            $"(verification took {verifying.Elapsed.TotalSeconds:F1} s in all)");
        // The kills must really have happened, and landed on both sides of the commit and mid-copy: a machine fast
        // enough to finish every copy before its kill would otherwise pass without testing anything.
        Assert.True(killed >= KillFloor, $"only {killed} of {Runs} runs were killed while running (at least {KillFloor} must be)");
        Assert.True(killedBeforeCommit >= 5, $"only {killedBeforeCommit} runs were killed before their commit");
        Assert.True(reusedAfterKill >= 2, $"only {reusedAfterKill} reruns found chunks a killed run had stored");
    }

    /// <summary>The copy time the last uncut child reported.</summary>
    private TimeSpan LastCopyTime { get; set; }

    private static async Task AssertAllSoundAsync(IChunkStore store, IEnumerable<string> copies, int run)
    {
        foreach (var copyId in copies)
        {
            var verification = await new CopyVerifier(store).VerifyAsync(copyId, null, new RecordingOutput(), CancellationToken.None);
            Assert.True(verification.IsValid, $"after run {run}, the committed copy {copyId} no longer verifies: {string.Join("; ", verification.Mismatches)}");
        }
    }

    private static async Task AssertSoundAsync(IChunkStore store, string copyId, string image)
    {
        using var source = new FileBlockReader(image);
        var verification = await new CopyVerifier(store).VerifyAsync(copyId, source, new RecordingOutput(), CancellationToken.None);
        Assert.True(verification.IsValid, string.Join("; ", verification.Mismatches));
    }

    private static void MutateChunks(string image, Random random, int count)
    {
        using var stream = new FileStream(image, FileMode.Open, FileAccess.Write);
        var data = new byte[Chunk];
        for (var i = 0; i < count; i++)
        {
            random.NextBytes(data);
            stream.Position = (long)random.Next(Chunks) * Chunk;
            stream.Write(data);
        }
    }

    private static IEnumerable<string> ImageDigests(string image)
    {
        var bytes = File.ReadAllBytes(image);
        for (var i = 0; i < Chunks; i++) yield return ChunkDigest.Of(bytes.AsSpan(i * Chunk, Chunk));
    }

    private static async Task<HashSet<string>> ChunkDigestsAsync(IChunkStore store)
    {
        var set = new HashSet<string>();
        await foreach (var c in store.ListChunksAsync(CancellationToken.None)) set.Add(c.Digest);
        return set;
    }

    private async Task<string> RunUncutAsync(FileSystemChunkStore store, string image, string snapshotId)
    {
        using var child = TestHostProcess.Start("secondary", "copy", store.Root, image, snapshotId);
        var stdout = await child.StandardOutput.ReadToEndAsync();
        await child.WaitForExitAsync();
        Assert.True(child.ExitCode == 0, $"calibration run failed: {stdout} {await child.StandardError.ReadToEndAsync()}");
        var committed = stdout.Split('\n').Single(l => l.StartsWith("committed ", StringComparison.Ordinal)).Split(' ');
        LastCopyTime = TimeSpan.FromMilliseconds(Math.Max(50, double.Parse(committed[2], System.Globalization.CultureInfo.InvariantCulture)));
        return committed[1];
    }

    /// <summary>
    /// Starts a copy and SIGKILLs it <paramref name="delay"/> after it printed "copying" (never, for an infinite
    /// delay). Killed: the child was still running when killed. CopyTime: what a child that committed reported.
    /// </summary>
    private static async Task<(bool Committed, bool Killed, TimeSpan? CopyTime)> RunAndKillAsync(string repository, string image, string snapshotId, TimeSpan delay)
    {
        using var child = TestHostProcess.Start("secondary", "copy", repository, image, snapshotId);
        // Timed on a dedicated thread with blocking calls: the kill must land when the delay says, not when a
        // busy thread pool gets round to it.
        var killed = false;
        string? first = null;
        var timer = new Thread(() =>
        {
            first = child.StandardOutput.ReadLine();
            if (delay == Timeout.InfiniteTimeSpan) return;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < delay && !child.HasExited) Thread.Sleep(1);
            if (!child.HasExited)
            {
                child.Kill(); // SIGKILL on Unix
                killed = true;
            }
        });
        timer.Start();
        await Task.Run(timer.Join);
        Assert.True(first == "copying", $"the test host said '{first}': {await child.StandardError.ReadToEndAsync()}");
        var rest = await child.StandardOutput.ReadToEndAsync();
        await child.WaitForExitAsync();
        if (!killed) Assert.True(child.ExitCode == 0, $"copy failed: {await child.StandardError.ReadToEndAsync()}");
        var commit = rest.Split('\n').FirstOrDefault(l => l.StartsWith("committed ", StringComparison.Ordinal));
        TimeSpan? copyTime = commit is null || killed ? null
            : TimeSpan.FromMilliseconds(Math.Max(50, double.Parse(commit.Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture)));
        return (commit is not null, killed, copyTime);
    }
}
