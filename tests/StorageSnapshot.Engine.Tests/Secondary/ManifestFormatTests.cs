using System.Security.Cryptography;
using System.Text;
using Newtonsoft.Json.Linq;
using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Secondary;
using StorageSnapshot.Engine.Secondary.Maintenance;
using StorageSnapshot.Engine.Secondary.Repository;
using StorageSnapshot.Engine.Secondary.Restore;
using StorageSnapshot.Engine.Secondary.Verify;
using StorageSnapshot.Engine.Tests.Infrastructure;
using StorageSnapshot.Engine.Drivers.Directory;
using static StorageSnapshot.Engine.Tests.Secondary.SecondaryOps;

namespace StorageSnapshot.Engine.Tests.Secondary;

/// <summary>
/// The manifest file, version 2 (a format line, a header line, one line per stored chunk or run of zero chunks, a
/// checksum line), and version 1 (one JSON line listing every chunk) as written by the module before version 2:
/// still read, restored, verified, collected and used as a base.
/// </summary>
public sealed class ManifestFormatTests : IDisposable
{
    private const int Chunk = 64 * 1024;
    private readonly SecondaryScratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static string ManifestPath(FileSystemChunkStore store, string copyId) => Path.Combine(store.Root, "manifests", copyId + ".manifest");

    [Fact]
    public async Task A_manifest_is_a_format_line_a_header_one_line_per_stored_chunk_and_a_checksum()
    {
        var store = await _scratch.RepositoryAsync();
        var image = _scratch.Image("image", 10L * Chunk + 5, stream =>
        {
            var data = new byte[Chunk];
            foreach (var chunk in new[] { 2, 3, 9 })
            {
                new Random(chunk).NextBytes(data);
                stream.Position = (long)chunk * Chunk;
                stream.Write(data);
            }
            stream.Write(new byte[] { 1, 2, 3, 4, 5 }); // the short last chunk
        });
        var bytes = File.ReadAllBytes(image);
        string DigestOf(int chunk) => ChunkDigest.Of(bytes.AsSpan(chunk * Chunk, Math.Min(Chunk, bytes.Length - chunk * Chunk)));

        var copy = await CopyFileAsync(store, image, "SNAP1");

        var file = File.ReadAllBytes(ManifestPath(store, copy.Manifest.CopyId));
        var lines = Encoding.UTF8.GetString(file).Split('\n');
        Assert.Equal("", lines[^1]); // ends with a newline
        Assert.Equal("storagesnapshot-manifest 2", lines[0]);
        var header = JObject.Parse(lines[1]);
        Assert.Equal(copy.Manifest.CopyId, (string)header["copyId"]!);
        Assert.Equal(4, (long)header["dataChunks"]!);
        Assert.Equal(10L * Chunk + 5, (long)header["totalBytes"]!);
        Assert.Null(header["chunks"]);
        Assert.Equal(new[] { "z 2", DigestOf(2), DigestOf(3), "z 5", DigestOf(9), DigestOf(10) }, lines[2..^2]);
        var trailerStart = file.Length - 72;
        Assert.Equal($"sha256 {Convert.ToHexString(SHA256.HashData(file.AsSpan(0, trailerStart))).ToLowerInvariant()}", lines[^2]);
        Assert.Equal(copy.Statistics.BytesWritten, 4L * Chunk - Chunk + 5 + file.Length);
    }

    [Fact]
    public async Task A_version_1_manifest_written_by_the_previous_module_is_still_read_restored_verified_collected_and_a_base()
    {
        var (store, image) = await Version1RepositoryAsync();

        var manifest = await store.ReadManifestAsync(Version1.CopyId, CancellationToken.None);
        Assert.Equal(1, manifest.FormatVersion);
        Assert.Equal((Version1.SnapshotId, 5L * Chunk + 1000, 4L), (manifest.Source.SnapshotId, manifest.TotalBytes, manifest.DataChunks));
        var bytes = File.ReadAllBytes(image);
        Assert.Equal(new[] { ChunkDigest.Of(bytes.AsSpan(0, Chunk)), null, ChunkDigest.Of(bytes.AsSpan(2 * Chunk, Chunk)), null,
            ChunkDigest.Of(bytes.AsSpan(4 * Chunk, Chunk)), ChunkDigest.Of(bytes.AsSpan(5 * Chunk)) }, await ChunkDigestsAsync(store, Version1.CopyId));
        // The image digest means the same in both versions.
        var again = await CopyFileAsync(store, image, "ANOTHER");
        Assert.Equal(manifest.ImageSha256, again.Manifest.ImageSha256);
        await store.DeleteManifestAsync(again.Manifest.CopyId, CancellationToken.None);

        // Collection reads it: its chunks are referenced, none goes.
        var collected = await new ChunkCollector(store).CollectAsync(TimeSpan.Zero, TimeSpan.FromSeconds(5), new RecordingOutput(), CancellationToken.None);
        Assert.Equal(0, collected.ChunksDeleted);

        using (var source = new FileBlockReader(image))
        {
            var verification = await new CopyVerifier(store).VerifyAsync(Version1.CopyId, source, new RecordingOutput(), CancellationToken.None);
            Assert.True(verification.IsValid, string.Join("; ", verification.Mismatches));
            Assert.Equal(6, verification.ChunksChecked);
        }
        await RestoreToFileAsync(store, Version1.CopyId, _scratch.PathOf("restored"), bytes.Length);
        AssertSameBytes(image, _scratch.PathOf("restored"));

        // Copying its snapshot again under its id (what the inventory's record holds) returns it.
        var same = await CopyFileAsync(store, image, Version1.SnapshotId, copyId: Version1.CopyId);
        Assert.True(same.AlreadyCopied);
        Assert.Equal(Version1.CopyId, same.Manifest.CopyId);

        // And an incremental copy takes its unchanged chunks from it.
        using (var stream = new FileStream(image, FileMode.Open, FileAccess.Write))
        {
            stream.Position = 2L * Chunk + 10;
            stream.Write(new byte[] { 9, 9, 9 });
        }
        var incremental = await CopyFileAsync(store, image, "SNAP2", Version1.CopyId, new[] { new ByteRange(2L * Chunk + 10, 3) });
        Assert.True(incremental.Incremental);
        Assert.Equal((long)Chunk, incremental.Statistics.BytesChanged);
        Assert.Equal(2, incremental.Manifest.FormatVersion);
        await RestoreToFileAsync(store, incremental.Manifest.CopyId, _scratch.PathOf("restored2"), bytes.Length);
        AssertSameBytes(image, _scratch.PathOf("restored2"));
    }

    [Fact]
    public async Task Any_flipped_bit_in_a_version_1_manifest_is_detected()
    {
        var (store, _) = await Version1RepositoryAsync();
        var path = ManifestPath(store, Version1.CopyId);
        var original = File.ReadAllBytes(path);
        var random = new Random(5);

        foreach (var offset in new[] { 0, 1, original.Length / 2, original.Length - 74, original.Length - 73, original.Length - 40, original.Length - 1 }
                     .Concat(Enumerable.Range(0, 12).Select(_ => random.Next(original.Length))))
        {
            var damaged = (byte[])original.Clone();
            damaged[offset] ^= (byte)(1 << random.Next(8));
            File.WriteAllBytes(path, damaged);

            var verification = await new CopyVerifier(store).VerifyAsync(Version1.CopyId, null, new RecordingOutput(), CancellationToken.None);
            var restore = await Assert.ThrowsAsync<CopyCorruptException>(() =>
                RestoreToFileAsync(store, Version1.CopyId, _scratch.PathOf($"restored-{offset}"), 5L * Chunk + 1000));

            Assert.False(verification.IsValid, $"flip at {offset} went unnoticed by verify");
            Assert.Contains("manifest", restore.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_manifest_of_a_newer_format_is_refused_with_a_clear_error()
    {
        var store = await _scratch.RepositoryAsync();
        var copy = await CopyFileAsync(store, _scratch.RandomImage("image", 3L * Chunk, seed: 1), "SNAP1");
        var path = ManifestPath(store, copy.Manifest.CopyId);
        Resign(path, lines => lines.Select((l, i) => i == 0 ? "storagesnapshot-manifest 3" : l));

        var error = await Assert.ThrowsAsync<StorageSnapshotException>(() => store.ReadManifestAsync(copy.Manifest.CopyId, CancellationToken.None));

        Assert.Equal(ErrorIds.SecondaryStorageFailed, error.ErrorId);
        Assert.Equal(ErrorKind.NotImplemented, error.Kind);
        Assert.Contains("format version 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("up to 2", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A manifest whose checksum matches but whose list does not describe its image is still refused, with why.</summary>
    [Theory]
    [InlineData("a run too many", "lists more than")]
    [InlineData("a run too few", "lists 3 chunks")]
    [InlineData("a zero run with a leading zero", "is not a chunk entry")]
    [InlineData("an upper-case digest", "is not a chunk entry")]
    [InlineData("a stored chunk counted twice in the header", "stored chunks")]
    [InlineData("a header that does not parse", "header does not parse")]
    public async Task A_signed_manifest_whose_content_does_not_fit_is_corrupt(string damage, string expected)
    {
        var store = await _scratch.RepositoryAsync();
        var image = _scratch.Image("image", 4L * Chunk, stream =>
        {
            stream.Position = 3L * Chunk;
            stream.Write(Enumerable.Repeat((byte)7, Chunk).ToArray());
        });
        var copy = await CopyFileAsync(store, image, "SNAP1");
        var path = ManifestPath(store, copy.Manifest.CopyId);
        Assert.Equal(new[] { "z 3" }, File.ReadAllLines(path)[2..^2].Take(1));
        Resign(path, lines => damage switch
        {
            "a run too many" => lines.Take(2).Append("z 1").Concat(lines.Skip(2)),
            "a run too few" => lines.Where(l => !l.StartsWith("z ", StringComparison.Ordinal) || l == "z 3").Where(l => l.Length != 64),
            "a zero run with a leading zero" => lines.Select(l => l == "z 3" ? "z 03" : l),
            "an upper-case digest" => lines.Select(l => l.Length == 64 ? l.ToUpperInvariant() : l),
            "a stored chunk counted twice in the header" => lines.Select(l => l.Replace("\"dataChunks\":1", "\"dataChunks\":2", StringComparison.Ordinal)),
            _ => lines.Select((l, i) => i == 1 ? l[..^1] : l),
        });

        var error = await Assert.ThrowsAsync<CopyCorruptException>(() => store.ReadManifestAsync(copy.Manifest.CopyId, CancellationToken.None));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("checksum", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_copy_leaves_no_staged_chunk_list_behind()
    {
        var store = await _scratch.RepositoryAsync();
        var image = _scratch.RandomImage("image", 8L * Chunk, seed: 3);
        using var cancel = new CancellationTokenSource();
        var output = new RecordingOutput();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            using var reader = new CancellingReader(new FileBlockReader(image), cancel, afterBytes: 3L * Chunk);
            await new Engine.Secondary.Copy.SnapshotCopier(store).CopyAsync(
                new Engine.Secondary.Copy.CopyRequest { Source = reader, Identity = Identity("SNAP1"), CopyId = CopyIdOf("SNAP1") }, output, cancel.Token);
        });

        // (A chunk whose write was cancelled may leave its temporary file, collected later; the list never does.)
        Assert.Empty(Directory.GetFiles(Path.Combine(store.Root, "tmp"), "*.chunks.tmp"));
        Assert.Empty(Directory.GetFiles(Path.Combine(store.Root, "tmp"), "*.manifest.tmp"));
        Assert.Empty(await store.ListManifestsAsync(CancellationToken.None));
    }

    /// <summary>Rewrites a manifest's lines (without its checksum line) and signs it again, as the module would.</summary>
    private static void Resign(string path, Func<string[], IEnumerable<string>> change)
    {
        var lines = File.ReadAllLines(path);
        var body = Encoding.UTF8.GetBytes(string.Concat(change(lines[..^1]).Select(l => l + "\n")));
        File.WriteAllBytes(path, body.Concat(Encoding.ASCII.GetBytes($"sha256 {Convert.ToHexString(SHA256.HashData(body)).ToLowerInvariant()}\n")).ToArray());
    }

    /// <summary>
    /// A repository holding the version-1 manifest in Secondary/Fixtures (written by the module at commit c39ee67
    /// from the image below, 64 KiB chunks: stored, zero, stored, zero, stored, a 1000-byte stored chunk) and the
    /// chunks it references; and that image as a file.
    /// </summary>
    private async Task<(FileSystemChunkStore Store, string Image)> Version1RepositoryAsync()
    {
        var bytes = new byte[5 * Chunk + 1000];
        new Random(20261203).NextBytes(bytes);
        Array.Clear(bytes, 1 * Chunk, Chunk);
        Array.Clear(bytes, 3 * Chunk, Chunk);
        var image = _scratch.Image("v1-image", bytes.Length, stream => stream.Write(bytes));
        var store = await _scratch.RepositoryAsync();
        foreach (var (offset, length) in new[] { (0, Chunk), (2 * Chunk, Chunk), (4 * Chunk, Chunk), (5 * Chunk, 1000) })
        {
            var chunk = bytes.AsMemory(offset, length);
            await store.PutChunkIfAbsentAsync(ChunkDigest.Of(chunk.Span), chunk, CancellationToken.None);
        }
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Secondary", "Fixtures", Version1.CopyId + ".manifest"), ManifestPath(store, Version1.CopyId));
        return (store, image);
    }

    private static class Version1
    {
        public const string CopyId = "V1COPY";
        public const string SnapshotId = "V1SNAP";
    }

    /// <summary>Cancels the copy once it has read some bytes.</summary>
    private sealed class CancellingReader(FileBlockReader inner, CancellationTokenSource cancel, long afterBytes) : IBlockReader
    {
        private long _read;

        public long Length => inner.Length;

        public async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
        {
            var n = await inner.ReadAsync(offset, buffer, cancellationToken);
            if (Interlocked.Add(ref _read, n) >= afterBytes) cancel.Cancel();
            return n;
        }

        public Task<IReadOnlyList<ByteRange>?> GetAllocatedRangesAsync(CancellationToken cancellationToken) => inner.GetAllocatedRangesAsync(cancellationToken);
        public void Dispose() => inner.Dispose();
    }
}
