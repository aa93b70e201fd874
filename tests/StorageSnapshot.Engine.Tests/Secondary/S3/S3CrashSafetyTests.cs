using System.Diagnostics;
using StorageSnapshot.Engine.Secondary.S3;
using StorageSnapshot.Engine.Secondary.Verify;
using StorageSnapshot.Engine.Tests.Infrastructure;
using Xunit.Abstractions;
using static StorageSnapshot.Engine.Tests.Secondary.SecondaryOps;

namespace StorageSnapshot.Engine.Tests.Secondary.S3;

/// <summary>
/// A copy to the RADOS Gateway in a child process (StorageSnapshot.TestHost s3 copy) killed with SIGKILL at random
/// moments, <see cref="Runs"/> times: no partial copy ever becomes visible (a manifest exists only for a run that
/// committed, and then verifies), every copy committed earlier stays sound, and running a killed copy again completes.
/// At least <see cref="KillFloor"/> children must really be killed while running. One seed, printed and named in every
/// failure, drives the random choices (replay with STORAGESNAPSHOT_CRASH_SEED).
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class S3CrashSafetyTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Chunk = 64 << 10;
    private const int Chunks = 24;
    private const int Runs = 32;
    private const int KillFloor = 20;
    private readonly SecondaryScratch _scratch = new();
    private S3TestBucket? _bucket;

    public async Task InitializeAsync()
    {
        if (S3TestServer.SkipReason is null) _bucket = await S3TestBucket.CreateAsync();
    }

    public async Task DisposeAsync()
    {
        if (_bucket is not null) await _bucket.DisposeAsync();
        _scratch.Dispose();
    }

    [S3Fact]
    public async Task Copies_to_S3_killed_at_random_points_leave_nothing_visible_and_complete_when_run_again()
    {
        var replay = Environment.GetEnvironmentVariable(CrashSafetyTests.SeedVariable);
        var seed = string.IsNullOrEmpty(replay) ? Random.Shared.Next() : int.Parse(replay, System.Globalization.CultureInfo.InvariantCulture);
        output.WriteLine($"seed {seed}: replay this run with {CrashSafetyTests.SeedVariable}={seed}");
        try
        {
            await KillAndCheckAsync(seed);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"Replay with {CrashSafetyTests.SeedVariable}={seed}. {e.Message}", e);
        }
    }

    private async Task KillAndCheckAsync(int seed)
    {
        var place = S3TestServer.Place(_bucket!.Name);
        await using var store = await S3ChunkStore.OpenAsync(place, new StorageSnapshot.Engine.Secondary.Repository.RepositoryFormat { ChunkSize = Chunk }, null, null, CancellationToken.None);
        var random = new Random(seed);
        var image = _scratch.RandomImage("volume", (long)Chunks * Chunk, seed: random.Next());
        var committed = new List<string>();
        var (first, window) = await RunAsync(place, image, "CAL", Timeout.InfiniteTimeSpan);
        Assert.True(first.Committed);
        committed.Add(CopyIdOf("CAL"));
        var killed = 0;
        var clock = Stopwatch.StartNew();

        for (var run = 0; run < Runs; run++)
        {
            Mutate(image, random);
            var snapshotId = $"RUN{run:D3}";
            var uncut = run % 8 == 7;
            var delay = uncut ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(random.NextDouble() * 0.9 * window!.Value.TotalMilliseconds);
            var (outcome, copyTime) = await RunAsync(place, image, snapshotId, delay);
            if (outcome.Killed) killed++;
            if (copyTime is { } t) window = t;

            var visible = await store.ManifestExistsAsync(CopyIdOf(snapshotId), CancellationToken.None);
            if (outcome.Committed) Assert.True(visible, $"run {run} printed its commit but left no manifest");
            if (!visible) Assert.True(outcome.Killed, $"run {run} was not killed yet committed nothing");
            if (!visible)
            {
                var rerun = await CopyFileAsync(store, image, snapshotId);
                Assert.False(rerun.AlreadyCopied);
            }
            committed.Add(CopyIdOf(snapshotId));
            var verification = await new CopyVerifier(store).VerifyAsync(CopyIdOf(snapshotId), null, new RecordingOutput(), CancellationToken.None);
            Assert.True(verification.IsValid, $"run {run}: {string.Join("; ", verification.Mismatches)}");
        }
        // Every copy committed by any run is still sound after all the kills.
        foreach (var id in committed)
        {
            var verification = await new CopyVerifier(store).VerifyAsync(id, null, new RecordingOutput(), CancellationToken.None);
            Assert.True(verification.IsValid, $"{id}: {string.Join("; ", verification.Mismatches)}");
        }
        Assert.Equal(committed.Order(StringComparer.Ordinal), await store.ListManifestsAsync(CancellationToken.None));
        output.WriteLine($"{Runs} runs, {killed} killed while running, {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(killed >= KillFloor, $"only {killed} of {Runs} children were killed while running (at least {KillFloor} must be)");
    }

    private static void Mutate(string image, Random random)
    {
        using var stream = new FileStream(image, FileMode.Open);
        var bytes = new byte[Chunk];
        for (var i = 0; i < 6; i++)
        {
            random.NextBytes(bytes);
            stream.Position = (long)random.Next(Chunks) * Chunk;
            stream.Write(bytes);
        }
    }

    private static async Task<((bool Committed, bool Killed) Outcome, TimeSpan? CopyTime)> RunAsync(S3Place place, string image, string snapshotId, TimeSpan delay)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { TestHostProcess.AssemblyPath, "s3", "copy", place.Location, image, snapshotId }) info.ArgumentList.Add(a);
        info.Environment["STORAGESNAPSHOT_S3_ACCESS_KEY"] = S3TestServer.AccessKey;
        info.Environment["STORAGESNAPSHOT_S3_SECRET_KEY"] = S3TestServer.SecretKey;
        using var child = Process.Start(info)!;
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
                child.Kill(); // SIGKILL
                killed = true;
            }
        });
        timer.Start();
        await Task.Run(timer.Join);
        Assert.True(first == "copying", $"the test host said '{first}': {await child.StandardError.ReadToEndAsync()}");
        var rest = await child.StandardOutput.ReadToEndAsync();
        await child.WaitForExitAsync();
        if (!killed) Assert.True(child.ExitCode == 0, $"copy failed: {rest} {await child.StandardError.ReadToEndAsync()}");
        var commit = rest.Split('\n').FirstOrDefault(l => l.StartsWith("committed ", StringComparison.Ordinal));
        TimeSpan? copyTime = commit is null || killed ? null
            : TimeSpan.FromMilliseconds(Math.Max(20, double.Parse(commit.Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture)));
        return ((commit is not null, killed), copyTime);
    }
}
