using StorageSnapshot.Engine.Secondary.Repository;
using StorageSnapshot.Engine.Secondary.S3;
using StorageSnapshot.Engine.Secondary.Verify;
using StorageSnapshot.Engine.Tests.Infrastructure;
using static StorageSnapshot.Engine.Tests.Secondary.SecondaryOps;

namespace StorageSnapshot.Engine.Tests.Secondary.S3;

/// <summary>
/// A repository is the same set of files in a directory and of objects in a bucket: moved either way with rclone,
/// it is read, verified and restored byte-exact by the other kind, and copies continue into it.
/// </summary>
public sealed class S3RepositoryPortabilityTests : IAsyncLifetime
{
    private const int Chunk = 64 << 10;
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
    public async Task A_directory_repository_copied_to_a_bucket_with_rclone_is_read_there_and_back_again()
    {
        Integration.Require(Integration.HasTool("rclone"), "rclone is not installed (tests/infrastructure/ceph.sh installs it)");
        var image = _scratch.RandomImage("volume", 12L * Chunk, seed: 21);
        string firstCopy;
        await using (var directory = await _scratch.RepositoryAsync(chunkSize: Chunk, compression: ChunkCompression.Brotli))
        {
            firstCopy = (await CopyFileAsync(directory, image, "S1")).Manifest.CopyId;
        }

        // Directory -> bucket, with an ordinary tool.
        S3TestServer.Rclone("copy", _scratch.PathOf("repo"), $"rgw:{_bucket!.Name}/moved");
        string secondCopy;
        await using (var bucket = await S3ChunkStore.OpenAsync(S3TestServer.Place(_bucket.Name, "moved"), create: null, expectedId: null, timings: null, CancellationToken.None))
        {
            Assert.Equal((Chunk, ChunkCompression.Brotli), (bucket.Format.ChunkSize, bucket.Format.Compression));
            Assert.Equal([firstCopy], await bucket.ListManifestsAsync(CancellationToken.None));
            await AssertRestoresAsync(bucket, firstCopy, image, "from-bucket");
            using (var stream = new FileStream(image, FileMode.Open)) stream.Write([42]);
            var second = await CopyFileAsync(bucket, image, "S2", baseCopyId: firstCopy, changed: [new ByteRange(0, 1)]);
            Assert.Equal(1, second.Statistics.ChunksNew);
            secondCopy = second.Manifest.CopyId;
        }

        // Bucket -> a new directory: both copies, the one made in the bucket too.
        S3TestServer.Rclone("copy", $"rgw:{_bucket.Name}/moved", _scratch.PathOf("back"));
        await using var back = await FileSystemChunkStore.OpenAsync(_scratch.PathOf("back"), CancellationToken.None);
        Assert.Equal([firstCopy, secondCopy], await back.ListManifestsAsync(CancellationToken.None));
        await AssertRestoresAsync(back, secondCopy, image, "from-directory");
    }

    private async Task AssertRestoresAsync(IChunkStore store, string copyId, string image, string name)
    {
        var verification = await new CopyVerifier(store).VerifyAsync(copyId, null, new RecordingOutput(), CancellationToken.None);
        Assert.True(verification.IsValid, string.Join("; ", verification.Mismatches));
        await RestoreToFileAsync(store, copyId, _scratch.PathOf(name), new FileInfo(image).Length);
        AssertSameBytes(image, _scratch.PathOf(name));
    }
}
