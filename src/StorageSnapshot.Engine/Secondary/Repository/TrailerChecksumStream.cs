using System.Security.Cryptography;
using System.Text;

namespace StorageSnapshot.Engine.Secondary.Repository;

/// <summary>
/// Reads a manifest file and checks its trailer — "sha256 &lt;hex&gt;\n", the SHA-256 of everything before it —
/// while a parser reads through it: every byte is hashed as it passes, except the last
/// <see cref="ManifestCodec.TrailerLength"/> (plus the newline before them in version 1, which that version
/// left out of the hash), which are held back until the end of the file shows they are the trailer. So the
/// checksum is proved in the same single pass as the parse, in constant memory, whatever the parser makes of
/// the bytes.
/// </summary>
internal sealed class TrailerChecksumStream : Stream
{
    private readonly Stream _inner;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _tail;
    private int _tailLength;
    private bool _endOfFile;
    private bool? _trailerMatches;

    /// <param name="inner">The file, from its first byte.</param>
    /// <param name="newlineBeforeTrailer">Version 1: the newline before the trailer is not hashed either.</param>
    public TrailerChecksumStream(Stream inner, bool newlineBeforeTrailer)
    {
        _inner = inner;
        _tail = new byte[ManifestCodec.TrailerLength + (newlineBeforeTrailer ? 1 : 0)];
    }

    /// <summary>True once the end of the file was read.</summary>
    public bool AtEnd => _endOfFile;

    /// <summary>Reads the rest of the file (after a parse error, to tell damage from a parser's complaint).</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        var scratch = new byte[64 << 10];
        while (await ReadAsync(scratch, cancellationToken).ConfigureAwait(false) > 0) { }
    }

    /// <summary>True when the file ended with the trailer of everything before it. Call after the end was read.</summary>
    public bool TrailerMatches()
    {
        if (!_endOfFile) throw new InvalidOperationException("The manifest has not been read to its end.");
        if (_trailerMatches is { } known) return known;
        var expected = new StringBuilder();
        if (_tail.Length > ManifestCodec.TrailerLength) expected.Append('\n');
        expected.Append(ManifestCodec.TrailerPrefix).Append(Convert.ToHexString(_hash.GetHashAndReset()).ToLowerInvariant()).Append('\n');
        _trailerMatches = _tailLength == _tail.Length && _tail.AsSpan().SequenceEqual(Encoding.ASCII.GetBytes(expected.ToString()));
        return _trailerMatches.Value;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Absorb(buffer.Span[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(Span<byte> buffer)
    {
        var n = _inner.Read(buffer);
        Absorb(buffer[..n]);
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <summary>Hashes whatever can no longer be part of the trailer and keeps the last bytes back.</summary>
    private void Absorb(ReadOnlySpan<byte> read)
    {
        if (read.IsEmpty)
        {
            _endOfFile = true;
            return;
        }
        if (read.Length >= _tail.Length)
        {
            _hash.AppendData(_tail.AsSpan(0, _tailLength));
            _hash.AppendData(read[..^_tail.Length]);
            read[^_tail.Length..].CopyTo(_tail);
            _tailLength = _tail.Length;
            return;
        }
        var overflow = _tailLength + read.Length - _tail.Length;
        if (overflow > 0)
        {
            _hash.AppendData(_tail.AsSpan(0, overflow));
            _tail.AsSpan(overflow, _tailLength - overflow).CopyTo(_tail);
            _tailLength -= overflow;
        }
        read.CopyTo(_tail.AsSpan(_tailLength));
        _tailLength += read.Length;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _hash.Dispose();
        base.Dispose(disposing);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
