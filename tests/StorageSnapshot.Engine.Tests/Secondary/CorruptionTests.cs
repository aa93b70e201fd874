using StorageSnapshot.Engine.Secondary.Repository;
using StorageSnapshot.Engine.Secondary.Restore;
using StorageSnapshot.Engine.Secondary.Verify;
using StorageSnapshot.Engine.Drivers.Directory;
using static StorageSnapshot.Engine.Tests.Secondary.SecondaryOps;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Secondary;

public sealed class CorruptionTests : IDisposable
{
    private const int Chunk = 64 * 1024;
    private readonly SecondaryScratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private async Task<(FileSystemChunkStore Store, string Image, CopyManifest Manifest, IReadOnlyList<string?> Chunks)> CopiedAsync(int seed = 1)
    {
        var store = await _scratch.RepositoryAsync();
        var image = _scratch.RandomImage("image", 12L * Chunk + 3, seed);
        var copy = await CopyFileAsync(store, image, "SNAP1");
        return (store, image, copy.Manifest, await ChunkDigestsAsync(store, copy.Manifest.CopyId));
    }

    private static void FlipBit(string path, long offset, int bit = 0)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = offset;
        var value = stream.ReadByte();
        stream.Position = offset;
        stream.WriteByte((byte)(value ^ (1 << bit)));
    }

    [Fact]
    public async Task A_sound_copy_verifies_against_the_repository_and_its_source()
    {
        var (store, image, manifest, _) = await CopiedAsync();
        using var source = new FileBlockReader(image);

        var result = await new CopyVerifier(store).VerifyAsync(manifest.CopyId, source, new RecordingOutput(), CancellationToken.None);

        Assert.True(result.IsValid, string.Join("; ", result.Mismatches));
        Assert.Equal(13, result.ChunksChecked);
        Assert.Null(result.ToException());
    }

    [Fact]
    public async Task A_flipped_bit_in_a_chunk_is_reported_by_verify_and_stops_restore()
    {
        var (store, _, manifest, chunks) = await CopiedAsync();
        var victim = chunks[5]!;
        FlipBit(store.ChunkPath(victim), 1234, bit: 3);

        var verification = await new CopyVerifier(store).VerifyAsync(manifest.CopyId, null, new RecordingOutput(), CancellationToken.None);
        var restore = await Assert.ThrowsAsync<CopyCorruptException>(() =>
            RestoreToFileAsync(store, manifest.CopyId, _scratch.PathOf("restored"), manifest.TotalBytes));

        var mismatch = Assert.Single(verification.Mismatches);
        Assert.StartsWith("chunk 5 ", mismatch);
        Assert.Equal(ErrorIds.CopyCorrupt, verification.ToException()!.ErrorId);
        Assert.Equal(ErrorIds.CopyCorrupt, restore.ErrorId);
        Assert.Single(restore.Mismatches);
    }

    [Fact]
    public async Task Every_damaged_chunk_is_listed_and_a_missing_one_too()
    {
        var (store, _, manifest, chunks) = await CopiedAsync();
        FlipBit(store.ChunkPath(chunks[1]!), 0);
        FlipBit(store.ChunkPath(chunks[12]!), 2, bit: 7);
        File.Delete(store.ChunkPath(chunks[8]!));

        var verification = await new CopyVerifier(store).VerifyAsync(manifest.CopyId, null, new RecordingOutput(), CancellationToken.None);

        Assert.Equal(3, verification.Mismatches.Count);
        Assert.Contains(verification.Mismatches, m => m.StartsWith("chunk 8 ", StringComparison.Ordinal) && m.Contains("missing", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_truncated_chunk_is_corruption()
    {
        var (store, _, manifest, chunks) = await CopiedAsync();
        var path = store.ChunkPath(chunks[2]!);
        using (var stream = new FileStream(path, FileMode.Open)) stream.SetLength(100);

        var verification = await new CopyVerifier(store).VerifyAsync(manifest.CopyId, null, new RecordingOutput(), CancellationToken.None);

        Assert.StartsWith("chunk 2 ", Assert.Single(verification.Mismatches));
    }

    [Fact]
    public async Task Any_flipped_bit_in_a_manifest_is_detected_by_verify_and_restore()
    {
        var (store, _, manifest, chunks) = await CopiedAsync();
        var path = Path.Combine(store.Root, "manifests", manifest.CopyId + ".manifest");
        var length = new FileInfo(path).Length;
        var original = File.ReadAllBytes(path);
        var random = new Random(99);

        // Every part of the file: the JSON, the newline, the checksum line.
        foreach (var offset in new[] { 0L, 10, length / 3, length / 2, length - 66, length - 40, length - 2, length - 1 }
                     .Concat(Enumerable.Range(0, 12).Select(_ => (long)random.Next((int)length))))
        {
            File.WriteAllBytes(path, original);
            FlipBit(path, offset, random.Next(8));

            var verification = await new CopyVerifier(store).VerifyAsync(manifest.CopyId, null, new RecordingOutput(), CancellationToken.None);
            var restore = await Assert.ThrowsAsync<CopyCorruptException>(() =>
                RestoreToFileAsync(store, manifest.CopyId, _scratch.PathOf($"restored-{offset}"), manifest.TotalBytes));

            Assert.False(verification.IsValid, $"flip at {offset} went unnoticed by verify");
            Assert.Contains("manifest", restore.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Verify_with_the_source_reports_where_the_source_differs()
    {
        var (store, image, manifest, _) = await CopiedAsync();
        FlipBit(image, 9L * Chunk + 17);
        using var source = new FileBlockReader(image);

        var verification = await new CopyVerifier(store).VerifyAsync(manifest.CopyId, source, new RecordingOutput(), CancellationToken.None);

        Assert.Equal("chunk 9 (offset 589824): differs from the source snapshot", Assert.Single(verification.Mismatches));
    }

    [Fact]
    public async Task An_unknown_copy_is_CopyNotFound()
    {
        var store = await _scratch.RepositoryAsync();

        var error = await Assert.ThrowsAsync<ObjectNotFoundException>(() => new CopyRestorer(store).RestoreAsync("NOSUCHCOPY", _scratch.NewVolumeWriter("t", 10), new RecordingOutput(), CancellationToken.None));

        Assert.Equal(ErrorIds.CopyNotFound, error.ErrorId);
    }
}
