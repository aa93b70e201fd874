using System.Diagnostics;
using System.Security.Cryptography;
using StorageSnapshot.Engine.Secondary.Maintenance;
using StorageSnapshot.Engine.Secondary.Repository;
using StorageSnapshot.Engine.Secondary.S3;
using StorageSnapshot.Engine.Secondary.Verify;
using StorageSnapshot.Engine.Tests.Infrastructure;
using static StorageSnapshot.Engine.Tests.Secondary.SecondaryOps;

namespace StorageSnapshot.Engine.Tests.Secondary.S3;

/// <summary>
/// What every S3 server must show of the chunk store, each test in a bucket of its own: round trip, incremental equals
/// full, corruption found, the manifest as the one commit, missing chunks refused, racing copies. Run against the RADOS
/// Gateway (<see cref="S3ChunkStoreTests"/>) and s3rver (<see cref="S3rverChunkStoreTests"/>).
/// </summary>
public abstract class S3ChunkStoreContract : IAsyncLifetime
{
    protected const int Chunk = 64 << 10;
    private protected static readonly S3LeaseTimings ShortLeases = new(TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(100));

    /// <summary>For the one who judges a live holder in another process: a loaded machine may delay its renewals by seconds.</summary>
    private protected static readonly S3LeaseTimings LongLeases = new(TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(100));
    protected readonly SecondaryScratch _scratch = new();
    private S3TestBucket? _bucket;

    protected abstract S3TestTarget Target { get; }

    protected S3TestBucket Bucket => _bucket!;

    public async Task InitializeAsync()
    {
        if (Target.SkipReason is null) _bucket = await S3TestBucket.CreateAsync(Target);
    }

    public async Task DisposeAsync()
    {
        if (_bucket is not null) await _bucket.DisposeAsync();
        _scratch.Dispose();
    }

    private protected Task<S3ChunkStore> OpenAsync(string prefix = "repo", ChunkCompression compression = ChunkCompression.None, S3LeaseTimings? timings = null) =>
        S3ChunkStore.OpenAsync(Target.Place(Bucket.Name, prefix), new RepositoryFormat { ChunkSize = Chunk, Compression = compression }, null, timings, CancellationToken.None);

    protected async Task Copy_restore_and_verify_round_trip_byte_exact_with_compression_and_incremental_equals_fullAsync()
    {
        await using var store = await OpenAsync(compression: ChunkCompression.Deflate);
        var image = _scratch.Image("volume", 40L * Chunk, s =>
        {
            var random = new Random(7);
            var text = new byte[Chunk];
            for (var i = 0; i < 30; i++)
            {
                random.NextBytes(text.AsSpan(0, Chunk / 2)); // half random, half zero: compressible
                s.Position = (long)i * Chunk;
                s.Write(text);
            }
        });
        var full = await CopyFileAsync(store, image, "S1");
        using (var stream = new FileStream(image, FileMode.Open)) { stream.Position = 5L * Chunk + 10; stream.Write([1, 2, 3]); }
        var incremental = await CopyFileAsync(store, image, "S2", baseCopyId: full.Manifest.CopyId, changed: [new ByteRange(5L * Chunk, 3)]);
        var again = await CopyFileAsync(store, image, "S3", copyId: "COPY-S3-full");

        await RestoreToFileAsync(store, incremental.Manifest.CopyId, _scratch.PathOf("restored"), 40L * Chunk);
        AssertSameBytes(image, _scratch.PathOf("restored"));
        Assert.Equal(1, incremental.Statistics.ChunksNew);
        Assert.Equal(0, again.Statistics.ChunksNew);
        Assert.Equal(await ChunkDigestsAsync(store, again.Manifest.CopyId), await ChunkDigestsAsync(store, incremental.Manifest.CopyId));
        Assert.Equal(again.Manifest.ImageSha256, incremental.Manifest.ImageSha256);
        using var reader = new StorageSnapshot.Engine.Drivers.RawImages.FileBlockReader(image);
        var verification = await new CopyVerifier(store).VerifyAsync(incremental.Manifest.CopyId, reader, new RecordingOutput(), CancellationToken.None);
        Assert.True(verification.IsValid, string.Join("; ", verification.Mismatches));
        Assert.Equal(["COPY-S1", "COPY-S2", "COPY-S3-full"], await store.ListManifestsAsync(CancellationToken.None));
    }

    protected async Task A_flipped_byte_in_a_chunk_object_is_reported_by_verification_and_refused_by_restoreAsync()
    {
        await using var store = await OpenAsync();
        var image = _scratch.RandomImage("volume", 8L * Chunk, seed: 3);
        var copy = await CopyFileAsync(store, image, "S1");
        var victim = (await Bucket.ObjectsAsync("repo/chunks/")).First();
        using (var client = Target.Client())
        {
            using var response = await client.GetObjectAsync(Bucket.Name, victim.Key);
            using var buffer = new MemoryStream();
            await response.ResponseStream.CopyToAsync(buffer);
            var bytes = buffer.ToArray();
            bytes[100] ^= 0x01;
            await client.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = Bucket.Name, Key = victim.Key, InputStream = new MemoryStream(bytes), UseChunkEncoding = false });
        }

        var verification = await new CopyVerifier(store).VerifyAsync(copy.Manifest.CopyId, null, new RecordingOutput(), CancellationToken.None);
        var restore = await Assert.ThrowsAsync<CopyCorruptException>(() => RestoreToFileAsync(store, copy.Manifest.CopyId, _scratch.PathOf("restored"), 8L * Chunk));

        Assert.False(verification.IsValid);
        Assert.Contains(verification.Mismatches, m => m.Contains(victim.Key[^64..], StringComparison.Ordinal));
        Assert.Contains(restore.Mismatches, m => m.Contains(victim.Key[^64..], StringComparison.Ordinal));
    }

    protected async Task Chunk_objects_that_are_empty_cut_short_or_too_long_are_reported_by_verification_and_refused_by_restoreAsync()
    {
        // Chunk bodies are read below the SDK's own MD5 check, straight into the caller's buffer: an empty, a short and an
        // over-long object must each still be a named mismatch, not a storage failure or a short read taken as whole.
        await using var store = await OpenAsync();
        var image = _scratch.RandomImage("volume", 8L * Chunk, seed: 4);
        var copy = await CopyFileAsync(store, image, "S1");
        var victims = (await Bucket.ObjectsAsync("repo/chunks/")).Take(3).Select(o => o.Key).ToArray();
        using (var client = Target.Client())
        {
            byte[][] replacements = [[], new byte[Chunk / 2], RandomNumberGenerator.GetBytes(Chunk + 5)];
            for (var i = 0; i < victims.Length; i++)
                await client.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = Bucket.Name, Key = victims[i], InputStream = new MemoryStream(replacements[i]), UseChunkEncoding = false });
        }

        var verification = await new CopyVerifier(store).VerifyAsync(copy.Manifest.CopyId, null, new RecordingOutput(), CancellationToken.None);
        var restore = await Assert.ThrowsAsync<CopyCorruptException>(() => RestoreToFileAsync(store, copy.Manifest.CopyId, _scratch.PathOf("restored"), 8L * Chunk));

        Assert.False(verification.IsValid);
        Assert.Equal(3, verification.Mismatches.Count);
        Assert.Contains(verification.Mismatches, m => m.Contains($"chunk {victims[0][^64..]} is 0 bytes long", StringComparison.Ordinal));
        Assert.Contains(verification.Mismatches, m => m.Contains($"chunk {victims[1][^64..]} is {Chunk / 2} bytes long", StringComparison.Ordinal));
        Assert.Contains(verification.Mismatches, m => m.Contains($"chunk {victims[2][^64..]} is {Chunk + 5} bytes long, more than a chunk", StringComparison.Ordinal));
        foreach (var victim in victims) Assert.Contains(restore.Mismatches, m => m.Contains(victim[^64..], StringComparison.Ordinal));
    }

    protected async Task A_manifest_is_the_commit_and_is_written_onceAsync()
    {
        await using var store = await OpenAsync();
        var image = _scratch.RandomImage("volume", 4L * Chunk, seed: 5);
        var copy = await CopyFileAsync(store, image, "S1");
        await using var staged = await store.StageChunkListAsync(copy.Manifest.CopyId, 4L * Chunk, CancellationToken.None);
        await foreach (var run in store.ReadChunkListAsync(copy.Manifest.CopyId, CancellationToken.None)) staged.Add(run);

        var again = await Assert.ThrowsAsync<ConflictException>(() => store.CommitManifestAsync(copy.Manifest, staged, CancellationToken.None));

        Assert.Equal(ErrorIds.AlreadyExists, again.ErrorId);
        Assert.True(await store.ManifestExistsAsync(copy.Manifest.CopyId, CancellationToken.None));
        Assert.Contains(await Bucket.ObjectsAsync(), o => o.Key == $"repo/manifests/{copy.Manifest.CopyId}.manifest");
        Assert.Empty(await Bucket.ObjectsAsync("repo/intents/")); // a finished copy leaves no intent
    }

    protected async Task A_copy_that_references_a_chunk_missing_from_the_bucket_commits_nothingAsync()
    {
        await using var store = await OpenAsync();
        var image = _scratch.RandomImage("volume", 4L * Chunk, seed: 9);
        var first = await CopyFileAsync(store, image, "S1");
        // The chunks go behind the store's back (another tool, a lifecycle rule): an incremental copy that reuses them must refuse to commit.
        using (var client = Target.Client())
        {
            foreach (var o in await Bucket.ObjectsAsync("repo/chunks/")) await client.DeleteObjectAsync(Bucket.Name, o.Key);
        }
        using (var stream = new FileStream(image, FileMode.Open)) stream.Write([1]);

        var failed = await Assert.ThrowsAnyAsync<StorageSnapshotException>(() =>
            CopyFileAsync(store, image, "S2", baseCopyId: first.Manifest.CopyId, changed: [new ByteRange(0, 1)]));

        Assert.Contains("is not in", failed.Message, StringComparison.Ordinal);
        Assert.False(await store.ManifestExistsAsync(CopyIdOf("S2"), CancellationToken.None));
    }

    protected async Task Two_copies_racing_into_one_repository_both_commit_sound_copies_and_store_each_chunk_onceAsync()
    {
        await using var first = await OpenAsync();
        await using var second = await OpenAsync();
        var image = _scratch.RandomImage("volume", 32L * Chunk, seed: 13);

        var copies = await Task.WhenAll(CopyFileAsync(first, image, "A"), CopyFileAsync(second, image, "B"));

        // With conditional PUTs exactly one copy stores each chunk; with HEAD-then-PUT (s3rver) both may write the same bytes.
        if (Target.HonoursConditionalPut) Assert.Equal(32, copies.Sum(c => c.Statistics.ChunksNew));
        else Assert.InRange(copies.Sum(c => c.Statistics.ChunksNew), 32, 64);
        Assert.Equal(32, (await first.ListChunksAsync(CancellationToken.None).ToListAsync()).Count);
        foreach (var copy in copies)
        {
            var verification = await new CopyVerifier(first).VerifyAsync(copy.Manifest.CopyId, null, new RecordingOutput(), CancellationToken.None);
            Assert.True(verification.IsValid, string.Join("; ", verification.Mismatches));
        }
    }
}

/// <summary>The chunk store on the RADOS Gateway of the test cluster, with what only it is asked (leases across processes, 412 counts).</summary>
public sealed class S3ChunkStoreTests : S3ChunkStoreContract
{
    protected override S3TestTarget Target => S3TestTarget.Rgw;

    [S3Fact]
    public Task Copy_restore_and_verify_round_trip_byte_exact_with_compression_and_incremental_equals_full() => Copy_restore_and_verify_round_trip_byte_exact_with_compression_and_incremental_equals_fullAsync();

    [S3Fact]
    public Task A_flipped_byte_in_a_chunk_object_is_reported_by_verification_and_refused_by_restore() => A_flipped_byte_in_a_chunk_object_is_reported_by_verification_and_refused_by_restoreAsync();

    [S3Fact]
    public Task Chunk_objects_that_are_empty_cut_short_or_too_long_are_reported_by_verification_and_refused_by_restore() => Chunk_objects_that_are_empty_cut_short_or_too_long_are_reported_by_verification_and_refused_by_restoreAsync();

    [S3Fact]
    public Task A_manifest_is_the_commit_and_is_written_once() => A_manifest_is_the_commit_and_is_written_onceAsync();

    [S3Fact]
    public Task A_copy_that_references_a_chunk_missing_from_the_bucket_commits_nothing() => A_copy_that_references_a_chunk_missing_from_the_bucket_commits_nothingAsync();

    [S3Fact]
    public Task Two_copies_racing_into_one_repository_both_commit_sound_copies_and_store_each_chunk_once() => Two_copies_racing_into_one_repository_both_commit_sound_copies_and_store_each_chunk_onceAsync();

    [S3Fact]
    public async Task A_chunk_is_stored_once_and_read_back_and_the_second_put_is_answered_412()
    {
        await using var store = await OpenAsync();
        var data = RandomNumberGenerator.GetBytes(Chunk);
        var digest = Convert.ToHexStringLower(SHA256.HashData(data));

        var first = await store.PutChunkIfAbsentAsync(digest, data, CancellationToken.None);
        var second = await store.PutChunkIfAbsentAsync(digest, data, CancellationToken.None);
        var read = new byte[Chunk];
        var length = await store.ReadChunkAsync(digest, read, CancellationToken.None);

        Assert.Equal(Chunk, first);
        Assert.Equal(0, second);
        Assert.Equal((1L, 1L), (store.Requests.Puts, store.Requests.AlreadyThere));
        Assert.Equal(data, read[..length]);
        Assert.True(await store.ChunkExistsAsync(digest, CancellationToken.None));
        var listed = Assert.Single(await store.ListChunksAsync(CancellationToken.None).ToListAsync());
        Assert.Equal(digest, listed.Digest);
        Assert.Contains(await Bucket.ObjectsAsync(), o => o.Key == $"repo/chunks/{digest[..2]}/{digest}");
        await Assert.ThrowsAsync<ChunkUnreadableException>(() => store.ReadChunkAsync(new string('0', 64), read, CancellationToken.None));
    }

    [S3Fact]
    public async Task Collection_waits_for_a_copy_in_another_process_and_not_for_one_killed()
    {
        // The observer's lease is long (20 s), so a live child's renewals delayed by a loaded machine still count, and
        // the killed child is told dead at once by its pid, well within that lease.
        await using var store = await OpenAsync(timings: LongLeases);
        var image = _scratch.RandomImage("volume", 4L * Chunk, seed: 11);
        var copy = await CopyFileAsync(store, image, "S1");
        await store.DeleteManifestAsync(copy.Manifest.CopyId, CancellationToken.None); // its chunks are now unreferenced
        var collector = new ChunkCollector(store);

        // A live copy in another process: its intent is renewed, so collection cannot start.
        using (var child = StartLockHolder(store.Place, "shared", LongLeases, holdMs: 60_000))
        {
            await WaitForLineAsync(child, "held");
            var busy = await Assert.ThrowsAsync<ConflictException>(() => collector.CollectAsync(TimeSpan.Zero, TimeSpan.FromSeconds(5), new RecordingOutput(), CancellationToken.None));
            Assert.Equal(ErrorKind.ResourceBusy, busy.Kind);
            Assert.Equal(4, (await store.ListChunksAsync(CancellationToken.None).ToListAsync()).Count);

            // Killed: its intent names a process of this host that is gone, so nobody waits out its lease.
            child.Kill();
            await child.WaitForExitAsync();
        }
        var clock = Stopwatch.StartNew();
        var result = await collector.CollectAsync(TimeSpan.Zero, TimeSpan.FromSeconds(60), new RecordingOutput(), CancellationToken.None);

        Assert.Equal(4, result.ChunksDeleted);
        Assert.True(result.AbandonedWritesDeleted >= 1, $"the killed copy's intent was not collected: {await IntentsAsync()} now {DateTime.UtcNow:O}");
        Assert.True(clock.Elapsed < LongLeases.Lease * 0.75, $"collection waited {clock.Elapsed} for a killed copy (lease {LongLeases.Lease})");
        Assert.Empty(await Bucket.ObjectsAsync("repo/chunks/"));
        Assert.Empty(await Bucket.ObjectsAsync("repo/intents/"));
    }

    [S3Fact]
    public async Task An_intent_of_another_host_that_nobody_renews_blocks_collection_for_its_lease_and_is_then_collected()
    {
        var timings = ShortLeases with { Lease = TimeSpan.FromSeconds(8) }; // long enough that the first look falls inside it on a loaded machine
        await using var store = await OpenAsync(timings: timings);
        var stale = $"repo/intents/copy.{Guid.NewGuid():N}.json";
        using (var client = Target.Client())
        {
            // As a copy on another machine writes it; nothing renews it, and its pid means nothing here.
            await client.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest
            {
                BucketName = Bucket.Name, Key = stale, ContentBody = """{"purpose":"copy","host":"another-host.example","pid":1,"startedUtc":"2026-01-01T00:00:00Z"}""",
            });
        }
        var written = (await Bucket.ObjectsAsync(stale)).Single().LastModified!.Value.ToUniversalTime();
        var collector = new ChunkCollector(store);

        var busy = await Assert.ThrowsAsync<ConflictException>(() => collector.CollectAsync(TimeSpan.Zero, TimeSpan.Zero, new RecordingOutput(), CancellationToken.None));
        var result = await collector.CollectAsync(TimeSpan.Zero, TimeSpan.FromSeconds(60), new RecordingOutput(), CancellationToken.None);
        var ended = DateTime.UtcNow;

        Assert.Equal(ErrorKind.ResourceBusy, busy.Kind);
        Assert.Contains("another process holds the lock", busy.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, result.AbandonedWritesDeleted);
        // It waited for the lease by the server's clock (one clock here: the gateway runs on this machine).
        Assert.True(ended - written >= timings.Lease - TimeSpan.FromMilliseconds(500), $"collection ended {ended - written} after the intent was written, within its lease of {timings.Lease}");
        Assert.Empty(await Bucket.ObjectsAsync("repo/intents/"));
    }

    [S3Fact]
    public async Task A_copy_in_another_process_waits_for_a_running_collection()
    {
        // The child judges the collection's intent with a long lease: renewals here delayed by a loaded machine still count.
        await using var store = await OpenAsync(timings: ShortLeases);
        var collection = await store.LockRepositoryAsync(exclusive: true, TimeSpan.FromSeconds(5), CancellationToken.None);
        using var child = StartLockHolder(store.Place, "shared", LongLeases, holdMs: 0);
        var firstLine = child.StandardOutput.ReadLineAsync();

        await Task.Delay(TimeSpan.FromSeconds(3));
        var tookItDuringCollection = firstLine.IsCompleted;
        await collection.DisposeAsync();
        var line = await firstLine.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.False(tookItDuringCollection, $"the copy took its lock during a collection: {line}");
        Assert.Equal("held", line);
        await child.WaitForExitAsync();
        Assert.Equal(0, child.ExitCode);
    }

    private async Task<string> IntentsAsync() =>
        string.Join(", ", (await Bucket.ObjectsAsync("repo/intents/")).Select(o => $"{o.Key} {o.LastModified:O}"));

    private static Process StartLockHolder(S3Place place, string mode, S3LeaseTimings timings, int holdMs)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { TestHostProcess.AssemblyPath, "s3", "lock", place.Location, mode, Ms(timings.Lease), Ms(timings.Renew), holdMs.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            info.ArgumentList.Add(a);
        info.Environment["STORAGESNAPSHOT_S3_ACCESS_KEY"] = S3TestServer.AccessKey;
        info.Environment["STORAGESNAPSHOT_S3_SECRET_KEY"] = S3TestServer.SecretKey;
        return Process.Start(info)!;
    }

    private static string Ms(TimeSpan span) => ((long)span.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static async Task WaitForLineAsync(Process process, string expected)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line == expected) return;
            Assert.Fail($"the child printed '{line}' instead of '{expected}': {await process.StandardError.ReadToEndAsync()}");
        }
        Assert.Fail($"the child ended without printing '{expected}': {await process.StandardError.ReadToEndAsync()}");
    }
}

/// <summary>
/// The same contract on s3rver (tests/infrastructure/s3rver.sh), a second S3 implementation. s3rver has no conditional
/// PUT, so these runs exercise the store's HEAD-then-PUT fallback.
/// </summary>
public sealed class S3rverChunkStoreTests : S3ChunkStoreContract
{
    protected override S3TestTarget Target => S3TestTarget.S3rver;

    [S3rverFact]
    public Task Copy_restore_and_verify_round_trip_byte_exact_with_compression_and_incremental_equals_full() => Copy_restore_and_verify_round_trip_byte_exact_with_compression_and_incremental_equals_fullAsync();

    [S3rverFact]
    public Task A_flipped_byte_in_a_chunk_object_is_reported_by_verification_and_refused_by_restore() => A_flipped_byte_in_a_chunk_object_is_reported_by_verification_and_refused_by_restoreAsync();

    [S3rverFact]
    public Task Chunk_objects_that_are_empty_cut_short_or_too_long_are_reported_by_verification_and_refused_by_restore() => Chunk_objects_that_are_empty_cut_short_or_too_long_are_reported_by_verification_and_refused_by_restoreAsync();

    [S3rverFact]
    public Task A_manifest_is_the_commit_and_is_written_once() => A_manifest_is_the_commit_and_is_written_onceAsync();

    [S3rverFact]
    public Task A_copy_that_references_a_chunk_missing_from_the_bucket_commits_nothing() => A_copy_that_references_a_chunk_missing_from_the_bucket_commits_nothingAsync();

    [S3rverFact]
    public Task Two_copies_racing_into_one_repository_both_commit_sound_copies_and_store_each_chunk_once() => Two_copies_racing_into_one_repository_both_commit_sound_copies_and_store_each_chunk_onceAsync();
}
