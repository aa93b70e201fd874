using StorageSnapshot.Engine.Secondary.Maintenance;
using StorageSnapshot.Engine.Secondary.Repository;
using StorageSnapshot.Engine.Secondary.Verify;
using static StorageSnapshot.Engine.Tests.Secondary.SecondaryOps;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Secondary;

public sealed class ChunkCollectionTests : IDisposable
{
    private const int Chunk = 64 * 1024;
    private readonly SecondaryScratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static async Task<HashSet<string>> ChunksAsync(IChunkStore store)
    {
        var set = new HashSet<string>();
        await foreach (var c in store.ListChunksAsync(CancellationToken.None)) set.Add(c.Digest);
        return set;
    }

    [Fact]
    public async Task Chunks_of_a_removed_copy_go_only_after_the_grace_period_and_shared_chunks_never()
    {
        var store = await _scratch.RepositoryAsync();
        var a = _scratch.RandomImage("a", 10L * Chunk, seed: 1);
        var b = _scratch.Image("b", 10L * Chunk, stream =>
        {
            File.OpenRead(a).CopyTo(stream);
            var fresh = new byte[4L * Chunk];
            new Random(2).NextBytes(fresh);
            stream.Position = 0;
            stream.Write(fresh); // b shares chunks 4..9 with a
        });
        var copyA = await CopyFileAsync(store, a, "SNAPA");
        var copyB = await CopyFileAsync(store, b, "SNAPB");
        var collector = new ChunkCollector(store);

        await store.DeleteManifestAsync(copyA.Manifest.CopyId, CancellationToken.None);
        var withinGrace = await collector.CollectAsync(ChunkCollector.DefaultGracePeriod, TimeSpan.FromSeconds(5), new RecordingOutput(), CancellationToken.None);
        var afterGrace = await collector.CollectAsync(ChunkCollector.DefaultGracePeriod, TimeSpan.FromSeconds(5), new RecordingOutput(), CancellationToken.None,
            nowUtc: DateTime.UtcNow.AddHours(25));

        Assert.Equal(0, withinGrace.ChunksDeleted);
        Assert.Equal(4, withinGrace.ChunksKeptInGrace);
        Assert.Equal(4, afterGrace.ChunksDeleted);
        Assert.Equal(4L * Chunk, afterGrace.BytesFreed);
        Assert.Equal((await ChunkDigestsAsync(store, copyB.Manifest.CopyId)).OfType<string>().ToHashSet(), await ChunksAsync(store));
        var verification = await new CopyVerifier(store).VerifyAsync(copyB.Manifest.CopyId, null, new RecordingOutput(), CancellationToken.None);
        Assert.True(verification.IsValid);
    }

    [Fact]
    public async Task A_reused_chunk_is_touched_so_the_grace_period_restarts()
    {
        var store = await _scratch.RepositoryAsync();
        var image = _scratch.RandomImage("a", 2L * Chunk, seed: 5);
        var copy = await CopyFileAsync(store, image, "SNAP1");
        var first = (await ChunkDigestsAsync(store, copy.Manifest.CopyId))[0]!;
        await store.DeleteManifestAsync(copy.Manifest.CopyId, CancellationToken.None);
        var path = store.ChunkPath(first);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddDays(-3));

        var again = await CopyFileAsync(store, image, "SNAP2");
        await store.DeleteManifestAsync(again.Manifest.CopyId, CancellationToken.None);
        var result = await new ChunkCollector(store).CollectAsync(TimeSpan.FromHours(24), TimeSpan.FromSeconds(5), new RecordingOutput(), CancellationToken.None);

        Assert.Equal(0, again.Statistics.ChunksNew);
        Assert.Equal(0, result.ChunksDeleted);
        Assert.True(File.GetLastWriteTimeUtc(path) > DateTime.UtcNow.AddHours(-1));
    }

    [Fact]
    public async Task Collection_refuses_to_delete_anything_while_a_manifest_is_unreadable()
    {
        var store = await _scratch.RepositoryAsync();
        var copy = await CopyFileAsync(store, _scratch.RandomImage("a", 3L * Chunk, seed: 6), "SNAP1");
        await CopyFileAsync(store, _scratch.RandomImage("b", 3L * Chunk, seed: 7), "SNAP2");
        File.AppendAllText(Path.Combine(store.Root, "manifests", copy.Manifest.CopyId + ".manifest"), "x");
        var before = await ChunksAsync(store);

        var error = await Assert.ThrowsAsync<CopyCorruptException>(() =>
            new ChunkCollector(store).CollectAsync(TimeSpan.Zero, TimeSpan.FromSeconds(5), new RecordingOutput(), CancellationToken.None, DateTime.UtcNow.AddDays(30)));

        Assert.Contains(copy.Manifest.CopyId, error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await ChunksAsync(store));
    }

    [Fact]
    public async Task Collection_waits_for_running_copies_and_says_so_when_it_cannot()
    {
        var store = await _scratch.RepositoryAsync();
        await using (await store.LockRepositoryAsync(exclusive: false, TimeSpan.Zero, CancellationToken.None))
        {
            var error = await Assert.ThrowsAsync<ConflictException>(() =>
                new ChunkCollector(store).CollectAsync(TimeSpan.Zero, TimeSpan.FromMilliseconds(200), new RecordingOutput(), CancellationToken.None));
            Assert.Contains("while copies are running", error.Message, StringComparison.Ordinal);
        }

        var result = await new ChunkCollector(store).CollectAsync(TimeSpan.Zero, TimeSpan.FromMilliseconds(200), new RecordingOutput(), CancellationToken.None);
        Assert.Equal(0, result.ChunksDeleted);
    }
}
