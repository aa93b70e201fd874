using StorageSnapshot.Engine.Secondary.Repository;
using static StorageSnapshot.Engine.Tests.Secondary.SecondaryOps;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Secondary;

public sealed class RoundTripTests : IDisposable
{
    private const int Chunk = 64 * 1024;
    private readonly SecondaryScratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    public static TheoryData<string, long> Shapes => new()
    {
        { "random, whole chunks", 16L * Chunk },
        { "random, not a multiple of the chunk size", 16L * Chunk + 12345 },
        { "one byte", 1 },
        { "smaller than a chunk", 1000 },
        { "empty", 0 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Random_images_restore_byte_exact(string shape, long length)
    {
        _ = shape;
        var store = await _scratch.RepositoryAsync();
        var image = _scratch.RandomImage("image", length, seed: 7);

        var copy = await CopyFileAsync(store, image, "SNAP1");
        await RestoreToFileAsync(store, copy.Manifest.CopyId, _scratch.PathOf("restored"), length);

        AssertSameBytes(image, _scratch.PathOf("restored"));
        Assert.Equal(length, copy.Manifest.TotalBytes);
        Assert.Equal((length + Chunk - 1) / Chunk, (await ChunkDigestsAsync(store, copy.Manifest.CopyId)).Count);
        Assert.Equal((length + Chunk - 1) / Chunk, copy.Manifest.ChunkCount);
        Assert.Equal(length, copy.Statistics.BytesRead);
    }

    [Fact]
    public async Task Sparse_image_reads_only_its_data_and_stores_no_zero_chunk()
    {
        var store = await _scratch.RepositoryAsync();
        var length = 64L * Chunk;
        var image = _scratch.Image("sparse", length, stream =>
        {
            var data = new byte[Chunk];
            new Random(3).NextBytes(data);
            stream.Position = 5L * Chunk;
            stream.Write(data);
            stream.Position = 40L * Chunk + 100; // straddles chunks 40 and 41
            stream.Write(data);
        });

        var copy = await CopyFileAsync(store, image, "SNAP1");
        await RestoreToFileAsync(store, copy.Manifest.CopyId, _scratch.PathOf("restored"), length);

        AssertSameBytes(image, _scratch.PathOf("restored"));
        Assert.Equal(3, copy.Statistics.ChunksNew);
        Assert.Equal(61, copy.Statistics.ChunksZero);
        Assert.True(copy.Statistics.BytesRead <= 8L * Chunk, $"read {copy.Statistics.BytesRead} bytes of a mostly-hole image");
        Assert.Equal(3, await CountChunkFilesAsync(store));
    }

    [Fact]
    public async Task All_zero_image_without_hole_information_stores_nothing_but_the_manifest()
    {
        var store = await _scratch.RepositoryAsync();
        var length = 10L * Chunk + 7;
        var image = _scratch.Image("zeros", length, stream => stream.Write(new byte[length]));

        var copy = await CopyFileAsync(store, image, "SNAP1", reportHoles: false);
        await RestoreToFileAsync(store, copy.Manifest.CopyId, _scratch.PathOf("restored"), length);

        AssertSameBytes(image, _scratch.PathOf("restored"));
        Assert.Equal(length, copy.Statistics.BytesRead);
        Assert.All(await ChunkDigestsAsync(store, copy.Manifest.CopyId), Assert.Null);
        Assert.Equal(0, await CountChunkFilesAsync(store));
    }

    [Fact]
    public async Task Identical_chunks_are_stored_once_and_a_second_copy_of_the_same_data_stores_none()
    {
        var store = await _scratch.RepositoryAsync();
        var block = new byte[Chunk];
        new Random(5).NextBytes(block);
        var image = _scratch.Image("repeated", 8L * Chunk, stream => { for (var i = 0; i < 8; i++) stream.Write(block); });

        var first = await CopyFileAsync(store, image, "SNAP1");
        var second = await CopyFileAsync(store, image, "SNAP2");

        Assert.Equal(1, first.Statistics.ChunksNew);
        Assert.Equal(7, first.Statistics.ChunksReused);
        Assert.Equal(0, second.Statistics.ChunksNew);
        Assert.Equal(first.Manifest.ImageSha256, second.Manifest.ImageSha256);
        Assert.Equal(1, await CountChunkFilesAsync(store));
    }

    [Theory]
    [InlineData(ChunkCompression.Deflate)]
    [InlineData(ChunkCompression.Brotli)]
    public async Task Compressed_repositories_round_trip_text_and_random_data(ChunkCompression compression)
    {
        var store = await _scratch.RepositoryAsync(compression: compression);
        var length = 12L * Chunk + 99;
        var text = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 200_000).Select(i => $"line {i} of the log\n")));
        var image = _scratch.Image("mixed", length, stream =>
        {
            stream.Write(text, 0, 6 * Chunk);
            var random = new byte[length - 6 * Chunk];
            new Random(9).NextBytes(random);
            stream.Write(random);
        });

        var copy = await CopyFileAsync(store, image, "SNAP1");
        await RestoreToFileAsync(store, copy.Manifest.CopyId, _scratch.PathOf("restored"), length);

        AssertSameBytes(image, _scratch.PathOf("restored"));
        Assert.True(copy.Statistics.BytesWritten < length * 3 / 4, $"wrote {copy.Statistics.BytesWritten} of {length}: text should compress");
    }

    [Fact]
    public async Task Copy_reports_progress_ending_with_a_completed_record()
    {
        var store = await _scratch.RepositoryAsync();
        var image = _scratch.RandomImage("image", 32L * Chunk, seed: 1);
        var output = new RecordingOutput();

        await CopyFileAsync(store, image, "SNAP1", output: output);

        var last = output.Progress.Last();
        Assert.True(last.Completed);
        Assert.Equal(100, last.PercentComplete);
        Assert.Equal(32L * Chunk, last.BytesDone);
        Assert.Equal(32L * Chunk, last.BytesTotal);
    }

    [Fact]
    public async Task A_snapshot_already_copied_is_returned_not_copied_again()
    {
        var store = await _scratch.RepositoryAsync();
        var image = _scratch.RandomImage("image", 4L * Chunk, seed: 2);

        var first = await CopyFileAsync(store, image, "SNAP1");
        var again = await CopyFileAsync(store, image, "SNAP1");

        Assert.True(again.AlreadyCopied);
        Assert.Equal(first.Manifest.CopyId, again.Manifest.CopyId);
        Assert.Single(await store.ListManifestsAsync(CancellationToken.None));
    }

    private static async Task<int> CountChunkFilesAsync(IChunkStore store)
    {
        var count = 0;
        await foreach (var _ in store.ListChunksAsync(CancellationToken.None)) count++;
        return count;
    }
}
