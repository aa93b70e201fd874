using StorageSnapshot.Engine.Drivers;
using static StorageSnapshot.Engine.Tests.Secondary.SecondaryOps;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Secondary;

public sealed class IncrementalCopyTests : IDisposable
{
    private const int Chunk = 64 * 1024;
    private const long Length = 100L * Chunk + 500;
    private readonly SecondaryScratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    /// <summary>Changes bytes in place: returns the ranges written.</summary>
    private static IReadOnlyList<ByteRange> Scribble(string path, int seed, params long[] offsets)
    {
        var random = new Random(seed);
        var ranges = new List<ByteRange>();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
        foreach (var offset in offsets)
        {
            var data = new byte[1000];
            random.NextBytes(data);
            stream.Position = offset;
            stream.Write(data);
            ranges.Add(new ByteRange(offset, data.Length));
        }
        return ranges;
    }

    [Fact]
    public async Task Incremental_copy_reads_only_changed_chunks_and_equals_a_full_copy()
    {
        var store = await _scratch.RepositoryAsync();
        var image = _scratch.RandomImage("image", Length, seed: 11);
        var first = await CopyFileAsync(store, image, "SNAP1");

        // Changes in chunk 3, chunks 50/51 (straddling) and chunks 99/100 (the short last one).
        var changed = Scribble(image, 12, 3L * Chunk + 10, 51L * Chunk - 400, Length - 1000);
        var output = new RecordingOutput();
        var incremental = await CopyFileAsync(store, image, "SNAP2", baseCopyId: first.Manifest.CopyId, changed: changed, output: output);
        var full = await CopyFileAsync(store, image, "SNAP3");

        Assert.True(incremental.Incremental);
        Assert.False(incremental.FellBackToFullRead);
        Assert.Equal(first.Manifest.CopyId, incremental.Manifest.BaseCopyId);
        Assert.Equal(full.Manifest.ImageSha256, incremental.Manifest.ImageSha256);
        Assert.Equal(5, incremental.Statistics.ChunksNew);
        Assert.Equal(4L * Chunk + 500, incremental.Statistics.BytesChanged);
        // The 5 changed chunks plus the check sample of 16 unchanged ones.
        Assert.Equal(4L * Chunk + 500 + 16L * Chunk, incremental.Statistics.BytesRead);
        Assert.Empty(output.Warnings);

        await RestoreToFileAsync(store, incremental.Manifest.CopyId, _scratch.PathOf("restored"), Length);
        AssertSameBytes(image, _scratch.PathOf("restored"));
    }

    [Fact]
    public async Task A_change_source_that_leaves_out_a_change_is_caught_by_the_sample_and_the_copy_reads_everything()
    {
        var store = await _scratch.RepositoryAsync();
        // 16 chunks: the sample (at least 16) covers every chunk claimed unchanged, so the lie is always caught.
        var image = _scratch.RandomImage("image", 16L * Chunk, seed: 21);
        var first = await CopyFileAsync(store, image, "SNAP1");

        Scribble(image, 22, 7L * Chunk + 5);
        var output = new RecordingOutput();
        var copy = await CopyFileAsync(store, image, "SNAP2", baseCopyId: first.Manifest.CopyId, changed: Array.Empty<ByteRange>(), output: output);

        Assert.True(copy.FellBackToFullRead);
        Assert.False(copy.Incremental);
        Assert.Null(copy.Manifest.BaseCopyId);
        Assert.Contains(output.Warnings, w => w.Contains("differ", StringComparison.Ordinal));
        Assert.Equal(1, copy.Statistics.ChunksNew);
        await RestoreToFileAsync(store, copy.Manifest.CopyId, _scratch.PathOf("restored"), 16L * Chunk);
        AssertSameBytes(image, _scratch.PathOf("restored"));
    }

    [Fact]
    public async Task A_grown_volume_reads_the_new_chunks_even_when_no_range_is_reported()
    {
        var store = await _scratch.RepositoryAsync();
        var image = _scratch.RandomImage("image", 10L * Chunk + 100, seed: 31);
        var first = await CopyFileAsync(store, image, "SNAP1");
        using (var stream = new FileStream(image, FileMode.Open, FileAccess.Write))
        {
            var more = new byte[5L * Chunk];
            new Random(32).NextBytes(more);
            stream.Position = stream.Length;
            stream.Write(more);
        }

        var copy = await CopyFileAsync(store, image, "SNAP2", baseCopyId: first.Manifest.CopyId, changed: Array.Empty<ByteRange>());

        Assert.True(copy.Incremental);
        await RestoreToFileAsync(store, copy.Manifest.CopyId, _scratch.PathOf("restored"), new FileInfo(image).Length);
        AssertSameBytes(image, _scratch.PathOf("restored"));
    }

    [Fact]
    public async Task Without_changed_ranges_a_copy_with_a_base_reads_everything_but_stores_only_new_chunks()
    {
        var store = await _scratch.RepositoryAsync();
        var image = _scratch.RandomImage("image", 30L * Chunk, seed: 41);
        var first = await CopyFileAsync(store, image, "SNAP1");
        Scribble(image, 42, 2L * Chunk, 17L * Chunk);

        var copy = await CopyFileAsync(store, image, "SNAP2", baseCopyId: first.Manifest.CopyId);

        Assert.False(copy.Incremental);
        Assert.Equal(30L * Chunk, copy.Statistics.BytesRead);
        Assert.Equal(2, copy.Statistics.ChunksNew);
        Assert.Equal(28, copy.Statistics.ChunksReused);
        Assert.Equal(2L * Chunk, copy.Statistics.BytesChanged);
    }
}
