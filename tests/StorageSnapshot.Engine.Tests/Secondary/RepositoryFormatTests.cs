using Newtonsoft.Json.Linq;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Tests.Secondary;

public sealed class RepositoryFormatTests : IDisposable
{
    private readonly SecondaryScratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task A_new_repository_records_its_format_and_an_existing_one_keeps_it()
    {
        var root = _scratch.PathOf("repo");
        await FileSystemChunkStore.OpenOrCreateAsync(root, new RepositoryFormat { ChunkSize = 1 << 20, Compression = ChunkCompression.Deflate }, CancellationToken.None);

        var reopened = await FileSystemChunkStore.OpenOrCreateAsync(root, new RepositoryFormat { ChunkSize = 1 << 16 }, CancellationToken.None);
        var format = JObject.Parse(File.ReadAllText(Path.Combine(root, FileSystemChunkStore.FormatFileName)));

        Assert.Equal(1 << 20, reopened.Format.ChunkSize);
        Assert.Equal(ChunkCompression.Deflate, reopened.Format.Compression);
        Assert.Equal(1, (int)format["version"]!);
        Assert.Equal("deflate", (string)format["compression"]!);
        Assert.Equal(RepositoryFormat.RepositoryKind, (string)format["format"]!);
    }

    [Fact]
    public async Task A_repository_of_a_newer_format_is_refused_with_a_clear_error()
    {
        var root = _scratch.PathOf("repo");
        await FileSystemChunkStore.OpenOrCreateAsync(root, null, CancellationToken.None);
        var formatPath = Path.Combine(root, FileSystemChunkStore.FormatFileName);
        var format = JObject.Parse(File.ReadAllText(formatPath));
        format["version"] = 7;
        File.WriteAllText(formatPath, format.ToString());

        var error = await Assert.ThrowsAsync<StorageSnapshotException>(() => FileSystemChunkStore.OpenAsync(root, CancellationToken.None));

        Assert.Equal(ErrorIds.SecondaryStorageFailed, error.ErrorId);
        Assert.Contains("format version 7", error.Message, StringComparison.Ordinal);
        Assert.Contains("up to 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_directory_that_is_not_a_repository_is_not_opened()
    {
        Directory.CreateDirectory(_scratch.PathOf("plain"));
        File.WriteAllText(Path.Combine(_scratch.PathOf("plain"), "readme.txt"), "not a repository");

        var error = await Assert.ThrowsAsync<StorageSnapshotException>(() => FileSystemChunkStore.OpenAsync(_scratch.PathOf("plain"), CancellationToken.None));

        Assert.Contains("not a StorageSnapshot repository", error.Message, StringComparison.Ordinal);
        Assert.Contains("'readme.txt'", error.Message, StringComparison.Ordinal);
        Assert.Equal(new[] { "readme.txt" }, Directory.EnumerateFileSystemEntries(_scratch.PathOf("plain")).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(1 << 10)]
    [InlineData(1 << 30)]
    public async Task Bad_chunk_sizes_are_refused_and_nothing_is_written(int chunkSize)
    {
        var root = _scratch.PathOf("repo");

        var error = await Assert.ThrowsAsync<ValidationException>(() => FileSystemChunkStore.OpenOrCreateAsync(root, new RepositoryFormat { ChunkSize = chunkSize }, CancellationToken.None));

        Assert.Contains("power of two", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(root));
    }

    [Fact]
    public async Task A_manifest_carries_everything_needed_to_rebuild_the_copy_record()
    {
        var store = await _scratch.RepositoryAsync();
        var image = _scratch.RandomImage("image", 100_000, seed: 4);
        var copy = await SecondaryOps.CopyFileAsync(store, image, "SNAP1");

        var manifest = await store.ReadManifestAsync(copy.Manifest.CopyId, CancellationToken.None);

        Assert.Equal(copy.Manifest.CopyId, manifest.CopyId);
        Assert.Equal("lab", manifest.Source.Backend);
        Assert.Equal("vol1", manifest.Source.Volume);
        Assert.Equal("SNAP1", manifest.Source.SnapshotId);
        Assert.Equal("snap-SNAP1", manifest.Source.SnapshotName);
        Assert.NotNull(manifest.Source.SnapshotCreatedUtc);
        Assert.Equal(100_000, manifest.TotalBytes);
        Assert.Equal(copy.Manifest.ImageSha256, manifest.ImageSha256);
        Assert.Equal(copy.Statistics, manifest.Statistics);
        Assert.Equal(DateTimeKind.Utc, manifest.CreatedUtc.Kind);
    }
}
