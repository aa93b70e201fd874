namespace StorageSnapshot.Engine.Secondary.Repository;

/// <summary>Reads "\n"-terminated lines from a stream through one reused buffer, refusing lines longer than asked.</summary>
internal sealed class ManifestLineReader(Stream stream)
{
    private byte[] _buffer = new byte[64 << 10];
    private int _start;
    private int _end;
    private bool _endOfStream;

    /// <summary>Lines read so far (for messages).</summary>
    public long LineNumber { get; private set; }

    /// <summary>
    /// The next line without its newline, valid until the next call; null at the end of the stream. Throws
    /// <see cref="ManifestFormatException"/> for a line longer than <paramref name="maxLength"/> or one the file
    /// ends in the middle of.
    /// </summary>
    public async ValueTask<ReadOnlyMemory<byte>?> ReadLineAsync(int maxLength, CancellationToken cancellationToken)
    {
        var scanned = 0;
        while (true)
        {
            var newline = _buffer.AsSpan(_start + scanned, _end - _start - scanned).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var length = scanned + newline;
                if (length > maxLength) throw TooLong();
                var line = _buffer.AsMemory(_start, length);
                _start += length + 1;
                LineNumber++;
                return line;
            }
            scanned = _end - _start;
            if (scanned > maxLength) throw TooLong();
            if (_endOfStream)
            {
                if (scanned == 0) return null;
                throw new ManifestFormatException($"it ends in the middle of line {LineNumber + 1}.");
            }
            await FillAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        var n = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        if (n == 0) _endOfStream = true;
        _end += n;
    }

    private ManifestFormatException TooLong() => new($"line {LineNumber + 1} is too long for a manifest.");
}
