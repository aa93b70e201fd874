using System.Diagnostics;
using StorageSnapshot.Engine.Secondary.Repository;
using StorageSnapshot.Engine.Secondary.Verify;
using StorageSnapshot.Testing;
using static StorageSnapshot.Engine.Tests.Secondary.SecondaryOps;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Secondary;

/// <summary>
/// A copy in a child process killed with SIGKILL at random moments: no partial copy ever becomes visible,
/// committed copies stay sound, and running the copy again completes and reuses what the killed run stored.
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class CrashSafetyTests : IDisposable
{
    private const int Chunk = 1 << 20;
    private const int Chunks = 24;
    private const int Runs = 52;
    private readonly SecondaryScratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task Copies_killed_at_random_points_leave_nothing_visible_and_complete_when_run_again()
    {
        var store = await _scratch.RepositoryAsync(chunkSize: Chunk);
        var image = _scratch.RandomImage("volume", (long)Chunks * Chunk, seed: 1);
        var random = new Random(2026);

        // Calibrate the kill window on uncut runs: a first full one, then one like those below.
        await RunUncutAsync(store.Root, image, "CAL1");
        MutateChunks(image, random, 6);
        var window = await RunUncutAsync(store.Root, image, "CAL2");
        var killedBeforeCommit = 0;
        var committedBeforeKill = 0;
        var reusedAfterKill = 0;
        string? previousCopy = null;

        for (var run = 0; run < Runs; run++)
        {
            // Each run's volume differs from the last in 6 random chunks: a copy writes a few new chunks and
            // reuses the rest, like a nightly copy.
            MutateChunks(image, random, 6);
            var snapshotId = $"RUN{run:D3}";
            var chunksBefore = await ChunkDigestsAsync(store);

            var delay = TimeSpan.FromMilliseconds(random.NextDouble() * window.TotalMilliseconds * 1.2);
            var outcome = await RunAndKillAsync(store.Root, image, snapshotId, delay);

            // No visible partial copy: a manifest for the run exists only if the run got to commit it, and then it is whole.
            var manifests = await store.ListManifestsAsync(CancellationToken.None);
            var mine = (await Task.WhenAll(manifests.Select(id => store.ReadManifestAsync(id, CancellationToken.None))))
                .Where(m => m.Source.SnapshotId == snapshotId).ToList();
            Assert.True(mine.Count <= 1);
            if (outcome.Committed) Assert.Single(mine);
            if (mine.Count == 1)
            {
                committedBeforeKill++;
                await AssertSoundAsync(store, mine[0].CopyId, image);
                previousCopy = mine[0].CopyId;
                continue;
            }
            killedBeforeCommit++;

            // Committed copies are undamaged.
            if (previousCopy is not null)
            {
                var earlier = await new CopyVerifier(store).VerifyAsync(previousCopy, null, new RecordingOutput(), CancellationToken.None);
                Assert.True(earlier.IsValid, string.Join("; ", earlier.Mismatches));
            }

            // Running it again completes, storing exactly the chunks the killed run did not get to store.
            var storedByKilledRun = (await ChunkDigestsAsync(store)).Except(chunksBefore).ToHashSet();
            var needed = ImageDigests(image).Except(chunksBefore).ToHashSet();
            var rerun = await CopyFileAsync(store, image, snapshotId);
            Assert.False(rerun.AlreadyCopied);
            Assert.Equal(needed.Except(storedByKilledRun).Count(), rerun.Statistics.ChunksNew);
            if (storedByKilledRun.Count > 0) reusedAfterKill++;
            await AssertSoundAsync(store, rerun.Manifest.CopyId, image);
            previousCopy = rerun.Manifest.CopyId;
        }

        // The random kill points must really have landed on both sides of the commit and mid-copy.
        Assert.True(killedBeforeCommit >= 5, $"only {killedBeforeCommit} runs were killed before their commit");
        Assert.True(reusedAfterKill >= 2, $"only {reusedAfterKill} reruns found chunks a killed run had stored");
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

    private static async Task<TimeSpan> RunUncutAsync(string repository, string image, string snapshotId)
    {
        using var child = TestHostProcess.Start("secondary", "copy", repository, image, snapshotId);
        var stdout = await child.StandardOutput.ReadToEndAsync();
        await child.WaitForExitAsync();
        Assert.True(child.ExitCode == 0, $"calibration run failed: {stdout} {await child.StandardError.ReadToEndAsync()}");
        var committed = stdout.Split('\n').Single(l => l.StartsWith("committed ", StringComparison.Ordinal)).Split(' ');
        return TimeSpan.FromMilliseconds(Math.Max(50, double.Parse(committed[2], System.Globalization.CultureInfo.InvariantCulture)));
    }

    private static async Task<(bool Committed, bool Killed)> RunAndKillAsync(string repository, string image, string snapshotId, TimeSpan delay)
    {
        using var child = TestHostProcess.Start("secondary", "copy", repository, image, snapshotId);
        // Timed on a dedicated thread with blocking calls: the kill must land when the delay says, not when a
        // busy thread pool gets round to it.
        var killed = false;
        string? first = null;
        var timer = new Thread(() =>
        {
            first = child.StandardOutput.ReadLine();
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
        return (rest.Contains("committed ", StringComparison.Ordinal), killed);
    }
}
