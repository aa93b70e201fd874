using StorageSnapshot.Engine.Drivers.RawImages;
using StorageSnapshot.Engine.Secondary;
using StorageSnapshot.Engine.Secondary.Repository;
using static StorageSnapshot.Engine.Tests.Secondary.SecondaryOps;

namespace StorageSnapshot.Engine.Tests.Secondary;

/// <summary>
/// Chunks are made durable behind the copy (ChunkWriteBehind) and aligned chunks are written around the page
/// cache (DirectIo): the window is bounded, nothing is visible before it is settled, commit and disposal settle
/// everything, a failure is reported and leaves no temporary, and direct and buffered writes to one image agree.
/// </summary>
public sealed class WriteBehindTests : IDisposable
{
    private const int Chunk = 64 * 1024;
    private readonly SecondaryScratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public void The_window_settles_the_oldest_chunks_first_and_holds_at_most_its_count()
    {
        var settled = new List<string>();
        var writeBehind = new ChunkWriteBehind(chunk => Settle(chunk, settled));

        for (var i = 0; i < ChunkWriteBehind.MaxChunks + 10; i++) writeBehind.Add(Written($"c{i:D3}", length: 1));

        Assert.Equal(ChunkWriteBehind.MaxChunks, writeBehind.Unsettled);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"c{i:D3}"), settled);
        Assert.False(writeBehind.Holds("c000"));
        Assert.True(writeBehind.Holds("c010"));
    }

    [Fact]
    public void The_window_holds_at_most_its_bytes()
    {
        var settled = new List<string>();
        var writeBehind = new ChunkWriteBehind(chunk => Settle(chunk, settled));
        var length = ChunkWriteBehind.MaxBytes / 8;

        for (var i = 0; i < 20; i++) writeBehind.Add(Written($"c{i:D3}", length));

        Assert.Equal(8, writeBehind.Unsettled);
        Assert.Equal(12, settled.Count);
    }

    [Fact]
    public async Task Settling_all_settles_every_chunk_even_after_one_fails_and_then_reports_that_failure()
    {
        var settled = new List<string>();
        var writeBehind = new ChunkWriteBehind(chunk =>
        {
            if (chunk.Digest == "bad") throw new IOException("the device went away");
            Settle(chunk, settled);
        });
        writeBehind.Add(Written("a", 1));
        writeBehind.Add(Written("bad", 1));
        writeBehind.Add(Written("b", 1));

        var error = await Assert.ThrowsAsync<IOException>(writeBehind.SettleAllAsync);

        Assert.Equal("the device went away", error.Message);
        Assert.Equal(new[] { "a", "b" }, settled.Order());
        Assert.Equal(0, writeBehind.Unsettled);
    }

    [Fact]
    public async Task Settling_all_waits_for_a_chunk_another_thread_is_settling()
    {
        using var inSettle = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var writeBehind = new ChunkWriteBehind(chunk =>
        {
            if (chunk.Digest != "c000") return;
            inSettle.Set();
            release.Wait(TimeSpan.FromSeconds(30));
        });
        for (var i = 0; i < ChunkWriteBehind.MaxChunks; i++) writeBehind.Add(Written($"c{i:D3}", 1));
        // One more pushes c000 out of the window: its settling blocks the thread that added it.
        var adding = Task.Run(() => writeBehind.Add(Written("last", 1)));
        Assert.True(inSettle.Wait(TimeSpan.FromSeconds(30)));

        var all = writeBehind.SettleAllAsync();
        await Task.Delay(200);
        Assert.False(all.IsCompleted, "SettleAllAsync returned while a chunk was still being settled elsewhere");

        release.Set();
        await adding;
        await all;
        Assert.Equal(0, writeBehind.Unsettled);
    }

    [Fact]
    public async Task Chunks_of_a_copy_that_never_commits_are_kept_under_their_names_when_the_store_is_disposed()
    {
        var store = await _scratch.RepositoryAsync();
        var digests = new List<string>();
        var random = new Random(7);
        for (var i = 0; i < 5; i++)
        {
            var data = new byte[Chunk];
            random.NextBytes(data);
            var digest = ChunkDigest.Of(data);
            Assert.Equal(Chunk, await store.PutChunkIfAbsentAsync(digest, data, CancellationToken.None));
            digests.Add(digest);
        }
        // A chunk written again while the first is still behind is not written twice.
        var again = new byte[Chunk];
        new Random(7).NextBytes(again);
        Assert.Equal(0, await store.PutChunkIfAbsentAsync(ChunkDigest.Of(again), again, CancellationToken.None));

        Assert.All(digests, d => Assert.False(File.Exists(store.ChunkPath(d)), "a chunk was visible before it was made durable"));
        await store.DisposeAsync();

        Assert.All(digests, d => Assert.True(File.Exists(store.ChunkPath(d))));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(store.Root, "tmp")));
        await using var reopened = await FileSystemChunkStore.OpenAsync(store.Root, CancellationToken.None);
        var buffer = new byte[Chunk];
        Assert.Equal(Chunk, await reopened.ReadChunkAsync(digests[0], buffer, CancellationToken.None));
        Assert.Equal(digests[0], ChunkDigest.Of(buffer));
    }

    [Fact]
    public async Task A_committed_copy_leaves_nothing_behind_and_restores_exactly()
    {
        var store = await _scratch.RepositoryAsync();
        // Not a multiple of the page size: the last chunk takes the buffered path, the others the direct one.
        var length = 40L * Chunk + 1234;
        var image = _scratch.RandomImage("image", length, seed: 11);

        var copy = await CopyFileAsync(store, image, "SNAP1");

        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(store.Root, "tmp")));
        await RestoreToFileAsync(store, copy.Manifest.CopyId, _scratch.PathOf("restored"), length);
        AssertSameBytes(image, _scratch.PathOf("restored"));
    }

    [Fact]
    public async Task Direct_and_buffered_writes_to_one_image_read_back_as_the_last_write_wherever_they_overlap()
    {
        const int Page = 4096;
        var length = 64L * Page;
        var expected = new byte[length];
        var random = new Random(3);
        var aligned = new AlignedChunkBuffers(maxRetainedBytes: 0, TimeSpan.FromSeconds(1));
        await using (var writer = NewImageWriter(_scratch.PathOf("image"), length))
        {
            for (var i = 0; i < 200; i++)
            {
                // Every other write is page-aligned in address, offset and length (direct), the rest are not.
                var direct = i % 2 == 0;
                var offset = direct ? random.Next(0, 56) * (long)Page : random.Next(0, (int)length - 3 * Page);
                var count = direct ? random.Next(1, 9) * Page : random.Next(1, 3 * Page);
                Memory<byte> data = direct ? aligned.Rent(8 * Page)[..count] : new byte[count + 1].AsMemory(1, count);
                random.NextBytes(data.Span);
                await writer.WriteAsync(offset, data, CancellationToken.None);
                data.Span.CopyTo(expected.AsSpan((int)offset, count));
            }
            await writer.FlushAsync(CancellationToken.None);
        }

        Assert.Equal(expected, await File.ReadAllBytesAsync(_scratch.PathOf("image")));
    }

    private WrittenChunk Written(string digest, long length)
    {
        var path = _scratch.PathOf("written-" + digest);
        return new WrittenChunk(digest, path, new FileStream(path, FileMode.CreateNew, FileAccess.Write), length);
    }

    private static void Settle(WrittenChunk chunk, List<string> settled)
    {
        chunk.File.Dispose();
        lock (settled) settled.Add(chunk.Digest);
    }
}
