using System.Buffers;
using StorageSnapshot.Engine.Platform;
using StorageSnapshot.Engine.Platform.Linux;

namespace StorageSnapshot.Engine.Drivers.Qcow2;

/// <summary>File-level work on image files: durable writes, same-inode checks, copies beside (reflink where possible).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class LayerFiles
{
    private const int CopyBlock = 1 << 20;

    /// <summary>fsyncs a file's data and metadata (qemu-img create and convert leave that to the caller).</summary>
    public static void Sync(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>True when both paths exist and name one inode (a hard link).</summary>
    public static bool AreSameFile(string a, string b) =>
        FileIdentity.Of(a) is { } x && FileIdentity.Of(b) is { } y && x == y;

    /// <summary>
    /// Copies <paramref name="source"/> to the new file <paramref name="destination"/> with <paramref name="mode"/>
    /// and makes it durable: a reflink (FICLONE) on XFS or btrfs, else a copy of the data regions only.
    /// </summary>
    public static async Task CopyAsync(string source, string destination, UnixFileMode mode, CancellationToken cancellationToken)
    {
        using var input = File.OpenHandle(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var length = RandomAccess.GetLength(input);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.None, BufferSize = 0, UnixCreateMode = mode };
        await using var output = new FileStream(destination, options);
        if (!Reflink.TryClone(output.SafeFileHandle, input, destination))
        {
            output.SetLength(length);
            var ranges = SparseRegions.GetDataRanges(input, length, source) ?? new[] { new ByteRange(0, length) };
            var buffer = ArrayPool<byte>.Shared.Rent(CopyBlock);
            try
            {
                foreach (var range in ranges)
                {
                    for (var offset = range.Offset; offset < range.End;)
                    {
                        var read = await RandomAccess.ReadAsync(input, buffer.AsMemory(0, (int)Math.Min(CopyBlock, range.End - offset)), offset, cancellationToken).ConfigureAwait(false);
                        if (read == 0) throw new IOException($"'{source}' ended at {offset} bytes while being copied.");
                        await RandomAccess.WriteAsync(output.SafeFileHandle, buffer.AsMemory(0, read), offset, cancellationToken).ConfigureAwait(false);
                        offset += read;
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        File.SetUnixFileMode(output.SafeFileHandle, mode);
        output.Flush(flushToDisk: true);
    }

    /// <summary>Unlinks a file and fsyncs its folder; already gone is fine.</summary>
    public static void DeleteDurably(string path)
    {
        if (!File.Exists(path)) return;
        File.Delete(path);
        DurableFileSystem.SyncDirectory(Path.GetDirectoryName(path)!);
    }
}
