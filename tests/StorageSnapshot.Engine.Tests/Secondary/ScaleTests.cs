using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Secondary.Maintenance;
using StorageSnapshot.Engine.Secondary.Repository;
using StorageSnapshot.Engine.Secondary.Restore;
using StorageSnapshot.Engine.Secondary.Verify;
using StorageSnapshot.Engine.Tests.Infrastructure;
using StorageSnapshot.Engine.Drivers.Directory;
using static StorageSnapshot.Engine.Tests.Secondary.SecondaryOps;

namespace StorageSnapshot.Engine.Tests.Secondary;

/// <summary>
/// A 1 TiB sparse volume (a million 1 MiB chunks) holding 4.5 MiB of data: copy, incremental copy, verify
/// against the source, both restores and collection must cost what the data costs — a manifest of a few
/// lines, reads and writes of the data chunks only, one call per run of zeros — never one step per chunk of the
/// volume. (Memory itself is measured by the scale benchmark, in a child process.)
/// </summary>
public sealed class ScaleTests : IDisposable
{
    private const int Chunk = 1 << 20;
    private const long Volume = 1L << 40;
    private const long ChunkCount = Volume / Chunk;
    private readonly SecondaryScratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    /// <summary>1.5 MiB of data at three places, none chunk-aligned: chunks 0-1, 524288-524289 and the last two.</summary>
    private string HugeSparseImage(string name, int seed) => _scratch.Image(name, Volume, stream =>
    {
        var random = new Random(seed);
        var data = new byte[3 * Chunk / 2];
        foreach (var offset in new[] { 100L, Volume / 2 + 12345, Volume - data.Length })
        {
            random.NextBytes(data);
            stream.Position = offset;
            stream.Write(data);
        }
    });

    [Fact]
    public async Task A_copy_of_a_huge_sparse_volume_costs_what_its_data_costs()
    {
        var store = await _scratch.RepositoryAsync(chunkSize: Chunk);
        var image = HugeSparseImage("huge", seed: 1);

        var copy = await CopyFileAsync(store, image, "HUGE1");

        var manifest = new FileInfo(Path.Combine(store.Root, "manifests", copy.Manifest.CopyId + ".manifest"));
        Assert.True(manifest.Length < 2048, $"the manifest of a 1 TiB volume holding 6 chunks takes {manifest.Length} bytes");
        Assert.Equal(6, copy.Statistics.ChunksNew);
        Assert.Equal(ChunkCount - 6, copy.Statistics.ChunksZero);
        Assert.Equal(6L * Chunk, copy.Statistics.BytesRead);
        var runs = new List<ChunkRun>();
        await foreach (var run in store.ReadChunkListAsync(copy.Manifest.CopyId, CancellationToken.None)) runs.Add(run);
        Assert.Equal(new[] { "data", "data", "zeros", "data", "data", "zeros", "data", "data" }, runs.Select(r => r.IsZero ? "zeros" : "data"));
        Assert.Equal(ChunkCount, runs.Sum(r => r.Count));
    }

    [Fact]
    public async Task Verify_and_both_restores_of_a_huge_sparse_volume_touch_only_its_data()
    {
        var store = await _scratch.RepositoryAsync(chunkSize: Chunk);
        var image = HugeSparseImage("huge", seed: 1);
        var copy = await CopyFileAsync(store, image, "HUGE1");

        // Verify against the source reads the data chunks, not a terabyte of holes (a budget stops it otherwise).
        using (var source = new BudgetedReader(new FileBlockReader(image), budget: 16L * Chunk))
        {
            var verification = await new CopyVerifier(store).VerifyAsync(copy.Manifest.CopyId, source, new RecordingOutput(), CancellationToken.None);
            Assert.True(verification.IsValid, string.Join("; ", verification.Mismatches));
            Assert.Equal(ChunkCount, verification.ChunksChecked);
            Assert.Equal(6L * Chunk, verification.BytesChecked);
            Assert.Equal(6L * Chunk, source.BytesRead);
        }

        // Into a new volume: zeros are not written at all.
        var restored = _scratch.PathOf("restored");
        await using (var writer = new CountingWriter(SecondaryOps.NewImageWriter(restored, Volume)))
        {
            await new CopyRestorer(store).RestoreAsync(copy.Manifest, writer, targetReadsAsZeros: true, new RecordingOutput(), CancellationToken.None);
            Assert.Equal((6, 0), (writer.Writes, writer.Zeroings));
        }
        await AssertSparseEqualAsync(image, restored);

        // In place, over a volume holding other data: each run of zeros is one call, however long.
        var other = HugeSparseImage("other", seed: 2);
        await using (var writer = new CountingWriter(new FileBlockWriter(other)))
        {
            await writer.WriteAsync(Volume / 4, new byte[] { 1, 2, 3 }, CancellationToken.None);
            await new CopyRestorer(store).OverwriteAsync(copy.Manifest, writer, new RecordingOutput(), CancellationToken.None);
            Assert.Equal((7, 2), (writer.Writes, writer.Zeroings));
        }
        await AssertSparseEqualAsync(image, other);
    }

    [Fact]
    public async Task An_incremental_copy_of_a_huge_sparse_volume_checks_and_reads_only_chunks_that_hold_data()
    {
        var store = await _scratch.RepositoryAsync(chunkSize: Chunk);
        var image = HugeSparseImage("huge", seed: 1);
        var full = await CopyFileAsync(store, image, "HUGE1");
        var changed = new ByteRange(Volume / 2 + 12345 + 500, 100_000);
        using (var stream = new FileStream(image, FileMode.Open, FileAccess.Write))
        {
            stream.Position = changed.Offset;
            stream.Write(Enumerable.Repeat((byte)0xA5, (int)changed.Length).ToArray());
        }

        var incremental = await CopyFileAsync(store, image, "HUGE2", full.Manifest.CopyId, new[] { changed });

        Assert.True(incremental.Incremental);
        Assert.False(incremental.FellBackToFullRead);
        // The changed chunk, and the sample check of the unchanged ones: only the 5 that hold data can be wrong
        // (a million zero chunks in holes of the snapshot cannot), and fewer than 16 are all checked.
        Assert.Equal(6L * Chunk, incremental.Statistics.BytesRead);
        Assert.Equal((long)Chunk, incremental.Statistics.BytesChanged);
        Assert.Equal((1L, 5L), (incremental.Statistics.ChunksNew, incremental.Statistics.ChunksReused));
        var restored = _scratch.PathOf("restored");
        await RestoreToFileAsync(store, incremental.Manifest.CopyId, restored, Volume);
        await AssertSparseEqualAsync(image, restored);

        // Collection streams both manifests: only the chunk the change replaced goes.
        await store.DeleteManifestAsync(full.Manifest.CopyId, CancellationToken.None);
        var collected = await new ChunkCollector(store).CollectAsync(TimeSpan.Zero, TimeSpan.FromSeconds(5), new RecordingOutput(), CancellationToken.None);
        Assert.Equal(1, collected.ChunksDeleted);
        Assert.True((await new CopyVerifier(store).VerifyAsync(incremental.Manifest.CopyId, null, new RecordingOutput(), CancellationToken.None)).IsValid);
    }

    private static async Task AssertSparseEqualAsync(string expected, string actual)
    {
        using var a = new FileBlockReader(expected);
        using var b = new FileBlockReader(actual);
        Assert.Equal(a.Length, b.Length);
        var ranges = (await a.GetAllocatedRangesAsync(CancellationToken.None))!.Concat((await b.GetAllocatedRangesAsync(CancellationToken.None))!);
        var x = new byte[Chunk];
        var y = new byte[Chunk];
        foreach (var range in ranges)
        {
            for (var offset = range.Offset; offset < range.End; offset += Chunk)
            {
                var n = (int)Math.Min(Chunk, range.End - offset);
                Assert.Equal(n, await a.ReadAsync(offset, x.AsMemory(0, n), CancellationToken.None));
                Assert.Equal(n, await b.ReadAsync(offset, y.AsMemory(0, n), CancellationToken.None));
                Assert.True(x.AsSpan(0, n).SequenceEqual(y.AsSpan(0, n)), $"{actual} differs from {expected} near offset {offset}");
            }
        }
    }

    /// <summary>A reader that counts what is read and fails past a budget, so a test cannot crawl through a terabyte.</summary>
    private sealed class BudgetedReader(FileBlockReader inner, long budget) : IBlockReader
    {
        private long _read;

        public long BytesRead => Interlocked.Read(ref _read);
        public long Length => inner.Length;

        public async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
        {
            var n = await inner.ReadAsync(offset, buffer, cancellationToken);
            if (Interlocked.Add(ref _read, n) > budget) throw new InvalidOperationException($"read more than {budget} bytes of a sparse volume");
            return n;
        }

        public Task<IReadOnlyList<ByteRange>?> GetAllocatedRangesAsync(CancellationToken cancellationToken) => inner.GetAllocatedRangesAsync(cancellationToken);
        public void Dispose() => inner.Dispose();
    }

    /// <summary>Counts the calls a restore makes.</summary>
    private sealed class CountingWriter(IBlockWriter inner) : IBlockWriter
    {
        private int _writes;
        private int _zeroings;

        public int Writes => _writes;
        public int Zeroings => _zeroings;
        public long Length => inner.Length;

        public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _writes);
            return inner.WriteAsync(offset, data, cancellationToken);
        }

        public ValueTask ZeroAsync(long offset, long length, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _zeroings);
            return inner.ZeroAsync(offset, length, cancellationToken);
        }

        public Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
