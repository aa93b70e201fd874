using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Drivers.Directory;
using StorageSnapshot.Engine.Secondary;
using StorageSnapshot.Engine.Secondary.Copy;
using StorageSnapshot.Engine.Secondary.Repository;
using StorageSnapshot.Engine.Secondary.Restore;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Secondary;

/// <summary>A scratch directory under /tmp/storagesnapshot-* holding image files and repositories; removed on dispose.</summary>
public sealed class SecondaryScratch : IDisposable
{
    public SecondaryScratch()
    {
        Root = Directory.CreateTempSubdirectory("storagesnapshot-secondary-").FullName;
    }

    public string Root { get; }

    public string PathOf(string name) => Path.Combine(Root, name);

    /// <summary>A repository with small chunks (64 KiB) so tests touch many chunks with little data.</summary>
    internal Task<FileSystemChunkStore> RepositoryAsync(string name = "repo", int chunkSize = 64 * 1024, ChunkCompression compression = ChunkCompression.None) =>
        FileSystemChunkStore.OpenOrCreateAsync(PathOf(name), new RepositoryFormat { ChunkSize = chunkSize, Compression = compression }, CancellationToken.None);

    /// <summary>Writes an image file: <paramref name="fill"/> writes into a sparse file of <paramref name="length"/> bytes.</summary>
    public string Image(string name, long length, Action<FileStream>? fill = null)
    {
        var path = PathOf(name);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.ReadWrite);
        stream.SetLength(length);
        fill?.Invoke(stream);
        return path;
    }

    /// <summary>
    /// A new sparse image of <paramref name="length"/> bytes opened with the directory driver's writer (what a
    /// restore into a new directory-driver volume writes through).
    /// </summary>
    internal FileBlockWriter NewVolumeWriter(string name, long length)
    {
        var path = PathOf(name);
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write)) stream.SetLength(length);
        return new FileBlockWriter(path);
    }

    public string RandomImage(string name, long length, int seed)
    {
        return Image(name, length, stream =>
        {
            var random = new Random(seed);
            var buffer = new byte[1 << 20];
            for (long done = 0; done < length; done += buffer.Length)
            {
                random.NextBytes(buffer);
                stream.Write(buffer, 0, (int)Math.Min(buffer.Length, length - done));
            }
        });
    }

    public void Dispose()
    {
        try
        {
            MakeWritable(Root);
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A mount left by a failed test: the integration fixture unmounts it.
        }
    }

    private static void MakeWritable(string root)
    {
        if (!OperatingSystem.IsLinux()) return;
        foreach (var dir in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories).Prepend(root))
        {
            File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}

/// <summary>
/// Copy and restore in one line each, over image files read and written by the directory driver's own
/// FileBlockReader and FileBlockWriter (the shipped code, not a test copy of it).
/// </summary>
internal static class SecondaryOps
{
    public static CopySource Identity(string snapshotId, string volume = "vol1", DateTime? created = null) => new()
    {
        Backend = "lab",
        Volume = volume,
        VolumeId = "VOL-" + volume,
        SnapshotId = snapshotId,
        SnapshotName = "snap-" + snapshotId,
        SnapshotCreatedUtc = created ?? DateTime.UtcNow,
    };

    /// <summary>
    /// The id a copy of <paramref name="snapshotId"/> gets when the test names none: one per snapshot, as the engine
    /// gives one inventory record (and its id) per snapshot and destination.
    /// </summary>
    public static string CopyIdOf(string snapshotId) => "COPY-" + snapshotId;

    public static async Task<CopyResult> CopyFileAsync(IChunkStore store, string imagePath, string snapshotId,
        string? baseCopyId = null, IReadOnlyList<ByteRange>? changed = null, IOperationOutput? output = null,
        TransferOptions? options = null, string volume = "vol1", bool reportHoles = true, CancellationToken cancellationToken = default, string? copyId = null)
    {
        using IBlockReader reader = reportHoles ? new FileBlockReader(imagePath) : new HolesUnknownReader(new FileBlockReader(imagePath));
        return await new SnapshotCopier(store, options).CopyAsync(
            new CopyRequest { Source = reader, Identity = Identity(snapshotId, volume), CopyId = copyId ?? CopyIdOf(snapshotId), BaseCopyId = baseCopyId, ChangedRanges = changed },
            output ?? new RecordingOutput(), cancellationToken);
    }

    /// <summary>The driver's writer on a new sparse image file of <paramref name="length"/> bytes.</summary>
    public static FileBlockWriter NewImageWriter(string path, long length)
    {
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write)) stream.SetLength(length);
        return new FileBlockWriter(path);
    }

    public static async Task<RestoreResult> RestoreToFileAsync(IChunkStore store, string copyId, string targetPath, long length, IOperationOutput? output = null)
    {
        using (var stream = new FileStream(targetPath, FileMode.CreateNew, FileAccess.Write)) stream.SetLength(length);
        await using var writer = new FileBlockWriter(targetPath);
        return await new CopyRestorer(store).RestoreAsync(copyId, writer, output ?? new RecordingOutput(), CancellationToken.None);
    }

    /// <summary>Every chunk of a copy, one entry per chunk (tests use small images): its digest, or null for a zero chunk.</summary>
    public static async Task<IReadOnlyList<string?>> ChunkDigestsAsync(IChunkStore store, string copyId)
    {
        var digests = new List<string?>();
        await foreach (var run in store.ReadChunkListAsync(copyId, CancellationToken.None))
        {
            Assert.Equal(digests.Count, run.FirstIndex);
            for (var i = 0; i < run.Count; i++) digests.Add(run.Digest);
        }
        return digests;
    }

    public static void AssertSameBytes(string expectedPath, string actualPath)
    {
        var expected = File.ReadAllBytes(expectedPath);
        var actual = File.ReadAllBytes(actualPath);
        Assert.Equal(expected.Length, actual.Length);
        Assert.True(expected.AsSpan().SequenceEqual(actual), $"{actualPath} differs from {expectedPath}");
    }
}

/// <summary>
/// The driver's reader of a device that cannot tell where its data is (no SEEK_DATA, a raw LUN): every read goes
/// through to the real reader, GetAllocatedRangesAsync answers null, so the copier must read everything.
/// </summary>
internal sealed class HolesUnknownReader(IBlockReader inner) : IBlockReader
{
    public long Length => inner.Length;

    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken) => inner.ReadAsync(offset, buffer, cancellationToken);

    public Task<IReadOnlyList<ByteRange>?> GetAllocatedRangesAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<ByteRange>?>(null);

    public void Dispose() => inner.Dispose();
}
