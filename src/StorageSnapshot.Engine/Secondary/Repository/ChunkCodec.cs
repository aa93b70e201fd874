using System.Buffers;
using System.IO.Compression;

namespace StorageSnapshot.Engine.Secondary.Repository;

/// <summary>
/// Chunk encoding at rest. In a repository without compression a chunk file is the chunk's bytes. With
/// compression it is one tag byte — 0: the raw bytes follow (the chunk did not shrink), 1: the compressed
/// stream follows — so incompressible data costs one byte, not an expansion.
/// </summary>
internal static class ChunkCodec
{
    private const byte RawTag = 0;
    private const byte CompressedTag = 1;

    /// <summary>Encodes <paramref name="data"/>; the result is in a buffer rented from <see cref="ArrayPool{T}.Shared"/>.</summary>
    public static (byte[] Buffer, int Length) Encode(ReadOnlySpan<byte> data, ChunkCompression compression)
    {
        if (compression == ChunkCompression.None)
        {
            var raw = ArrayPool<byte>.Shared.Rent(data.Length);
            data.CopyTo(raw);
            return (raw, data.Length);
        }

        var output = ArrayPool<byte>.Shared.Rent(data.Length + 1);
        var compressedLength = TryCompress(data, output.AsSpan(1, data.Length - 1 > 0 ? data.Length - 1 : 0), compression);
        if (compressedLength > 0)
        {
            output[0] = CompressedTag;
            return (output, compressedLength + 1);
        }
        output[0] = RawTag;
        data.CopyTo(output.AsSpan(1));
        return (output, data.Length + 1);
    }

    /// <summary>Decodes a chunk file's bytes into <paramref name="destination"/>; returns the chunk length.</summary>
    public static int Decode(ReadOnlySpan<byte> stored, Span<byte> destination, ChunkCompression compression)
    {
        if (compression == ChunkCompression.None)
        {
            if (stored.Length > destination.Length) throw new InvalidDataException("the chunk file is larger than a chunk.");
            stored.CopyTo(destination);
            return stored.Length;
        }
        if (stored.IsEmpty) throw new InvalidDataException("the chunk file is empty.");
        var payload = stored[1..];
        switch (stored[0])
        {
            case RawTag:
                if (payload.Length > destination.Length) throw new InvalidDataException("the chunk file is larger than a chunk.");
                payload.CopyTo(destination);
                return payload.Length;
            case CompressedTag:
                return Decompress(payload, destination, compression);
            default:
                throw new InvalidDataException($"the chunk file has an unknown encoding tag {stored[0]}.");
        }
    }

    /// <summary>Compresses into <paramref name="destination"/>; 0 when the result would not fit (did not shrink).</summary>
    private static int TryCompress(ReadOnlySpan<byte> data, Span<byte> destination, ChunkCompression compression)
    {
        if (destination.IsEmpty) return 0;
        if (compression == ChunkCompression.Brotli)
        {
            return BrotliEncoder.TryCompress(data, destination, out var written, quality: 1, window: 22) ? written : 0;
        }

        var sink = new SpanLimitedStream(destination.Length);
        try
        {
            // The limit may be hit while writing or in the final flush on dispose.
            using var deflate = new DeflateStream(sink, CompressionLevel.Fastest, leaveOpen: true);
            deflate.Write(data);
        }
        catch (SpanLimitedStream.FullException)
        {
            return 0;
        }
        if (sink.Overflowed) return 0;
        sink.Written.CopyTo(destination);
        return sink.Written.Length;
    }

    private static int Decompress(ReadOnlySpan<byte> payload, Span<byte> destination, ChunkCompression compression)
    {
        if (compression == ChunkCompression.Brotli)
        {
            if (!BrotliDecoder.TryDecompress(payload, destination, out var written))
            {
                throw new InvalidDataException("the compressed chunk does not decode.");
            }
            return written;
        }

        using var source = new MemoryStream(payload.ToArray(), writable: false);
        using var inflate = new DeflateStream(source, CompressionMode.Decompress);
        var total = 0;
        while (true)
        {
            var n = inflate.Read(destination[total..]);
            if (n == 0) break;
            total += n;
            if (total == destination.Length)
            {
                if (inflate.ReadByte() >= 0) throw new InvalidDataException("the compressed chunk decodes to more than a chunk.");
                break;
            }
        }
        return total;
    }

    /// <summary>A write-only stream that refuses to grow past a limit (compression that does not pay stops early).</summary>
    private sealed class SpanLimitedStream(int limit) : Stream
    {
        private readonly MemoryStream _buffer = new();

        public sealed class FullException : Exception;

        public bool Overflowed { get; private set; }
        public ReadOnlySpan<byte> Written => _buffer.GetBuffer().AsSpan(0, (int)_buffer.Length);
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _buffer.Length;
        public override long Position { get => _buffer.Length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> data)
        {
            if (Overflowed) return; // the deflater's final flush on dispose, after we gave up
            if (_buffer.Length + data.Length > limit)
            {
                Overflowed = true;
                throw new FullException();
            }
            _buffer.Write(data);
        }
    }
}
