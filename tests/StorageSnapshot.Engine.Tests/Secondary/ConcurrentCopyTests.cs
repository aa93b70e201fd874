using StorageSnapshot.Engine.Secondary;
using StorageSnapshot.Engine.Secondary.Repository;
using StorageSnapshot.Engine.Secondary.Verify;
using static StorageSnapshot.Engine.Tests.Secondary.SecondaryOps;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Secondary;

public sealed class ConcurrentCopyTests : IDisposable
{
    private const int Chunk = 64 * 1024;
    private readonly SecondaryScratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task Copies_of_different_snapshots_into_one_repository_run_side_by_side_and_share_chunks()
    {
        var root = _scratch.PathOf("repo");
        var baseImage = _scratch.RandomImage("base", 40L * Chunk, seed: 1);
        var images = Enumerable.Range(0, 4).Select(i => _scratch.Image($"img{i}", 40L * Chunk, stream =>
        {
            File.OpenRead(baseImage).CopyTo(stream);
            var own = new byte[Chunk];
            new Random(100 + i).NextBytes(own);
            stream.Position = (long)i * Chunk;
            stream.Write(own);
        })).ToArray();

        // One store object per copy, as separate commands would open them.
        var results = await Task.WhenAll(images.Select(async (image, i) =>
        {
            var store = await _scratch.RepositoryAsync();
            return await CopyFileAsync(store, image, $"SNAP{i}");
        }));

        var check = await _scratch.RepositoryAsync();
        Assert.Equal(4, (await check.ListManifestsAsync(CancellationToken.None)).Count);
        var chunkFiles = 0;
        await foreach (var _ in check.ListChunksAsync(CancellationToken.None)) chunkFiles++;
        // The base image's 40 chunks (each image keeps 39 of them, and together all 40) plus one of each image's own.
        Assert.Equal(44, chunkFiles);
        foreach (var (result, i) in results.Select((r, i) => (r, i)))
        {
            var verification = await new CopyVerifier(check).VerifyAsync(result.Manifest.CopyId, new FileBlockReader(images[i]), new RecordingOutput(), CancellationToken.None);
            Assert.True(verification.IsValid, string.Join("; ", verification.Mismatches));
        }
    }

    [Fact]
    public async Task Two_copies_of_the_same_snapshot_racing_produce_one_copy()
    {
        var image = _scratch.RandomImage("image", 64L * Chunk, seed: 3);

        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(async _ =>
        {
            var store = await _scratch.RepositoryAsync();
            return await CopyFileAsync(store, image, "SNAP1", options: new TransferOptions { Parallelism = 1 });
        }));

        var check = await _scratch.RepositoryAsync();
        var id = Assert.Single(await check.ListManifestsAsync(CancellationToken.None));
        Assert.All(results, r => Assert.Equal(id, r.Manifest.CopyId));
        Assert.Equal(2, results.Count(r => r.AlreadyCopied));
    }

    [Fact]
    public async Task Commands_creating_one_new_repository_at_once_all_open_the_same_one()
    {
        // Each round: eight openers of a repository that does not exist yet, started together, as separate commands
        // registering or first copying to it would be. The one that loses the race must read the winner's format file,
        // not find the directory "not empty" (it failed so in CI when a copy's store came second).
        for (var round = 0; round < 25; round++)
        {
            var root = _scratch.PathOf($"race{round}");
            Directory.CreateDirectory(root);
            using var start = new ManualResetEventSlim();
            var openers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
            {
                start.Wait();
                return await FileSystemChunkStore.OpenOrCreateAsync(root, new RepositoryFormat { ChunkSize = Chunk }, CancellationToken.None);
            })).ToArray();
            start.Set();
            var stores = await Task.WhenAll(openers);
            Assert.Single(stores.Select(s => s.Format.Id).Distinct());
        }
    }
}
