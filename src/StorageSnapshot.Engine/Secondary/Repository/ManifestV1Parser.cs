using System.Text;
using Newtonsoft.Json;

namespace StorageSnapshot.Engine.Secondary.Repository;

/// <summary>
/// Version 1 manifests, read as a stream: one JSON object on one line — header fields and a "chunks" array with
/// one object per chunk of the image ({"sha256","length","zero"}) — then the trailer. They were written by
/// serializing the whole manifest, so "chunkSize" and "totalBytes" always come before "chunks", which is what
/// lets every chunk be checked as it passes; a file in another order is not one this module wrote. Consecutive
/// zero chunks become one run, so a version-1 manifest of a huge sparse volume is read in constant memory too.
/// </summary>
internal sealed class ManifestV1Parser : IManifestParser
{
    private readonly TrailerChecksumStream _checked;
    private readonly JsonTextReader _json;
    private readonly JsonSerializer _serializer = JsonSerializer.Create(ManifestCodec.Settings);
    private State _state = State.Start;
    private CopyManifest _header = new()
    {
        CopyId = null!, Source = null!, ChunkSize = 0, TotalBytes = -1, ImageSha256 = null!, CreatedUtc = default, FormatVersion = 1,
    };
    private bool _sawChunks;
    private long _next;
    private long _dataChunks;
    private long _zeroRunStart = -1;
    private ChunkRun? _held;

    public ManifestV1Parser(TrailerChecksumStream @checked)
    {
        _checked = @checked;
        _json = new JsonTextReader(new StreamReader(new FirstLineStream(@checked), Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 64 << 10))
        {
            DateParseHandling = DateParseHandling.DateTime,
            DateTimeZoneHandling = DateTimeZoneHandling.Utc,
            CloseInput = true,
        };
    }

    private enum State { Start, Object, Chunks, Done }

    public CopyManifest Manifest => _state == State.Done ? _header : throw new InvalidOperationException("The manifest has not been read to its end.");

    public async ValueTask<ChunkRun?> NextAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await NextCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            throw new ManifestFormatException($"it does not parse ({e.Message}).");
        }
    }

    private async ValueTask<ChunkRun?> NextCoreAsync(CancellationToken cancellationToken)
    {
        if (_held is { } held)
        {
            _held = null;
            return held;
        }
        while (true)
        {
            switch (_state)
            {
                case State.Start:
                    if (!await _json.ReadAsync(cancellationToken).ConfigureAwait(false) || _json.TokenType != JsonToken.StartObject)
                        throw new ManifestFormatException("it is not a JSON object.");
                    _state = State.Object;
                    break;
                case State.Object:
                    if (!await _json.ReadAsync(cancellationToken).ConfigureAwait(false)) throw new ManifestFormatException("it ends inside its JSON.");
                    if (_json.TokenType == JsonToken.EndObject)
                    {
                        await FinishAsync(cancellationToken).ConfigureAwait(false);
                        return null;
                    }
                    await ReadPropertyAsync((string)_json.Value!, cancellationToken).ConfigureAwait(false);
                    break;
                case State.Chunks:
                    if (await NextChunkAsync(cancellationToken).ConfigureAwait(false) is { } run) return run;
                    break;
                default:
                    return null;
            }
        }
    }

    private async Task ReadPropertyAsync(string name, CancellationToken cancellationToken)
    {
        if (name == "chunks")
        {
            if (_header.ChunkSize <= 0 || _header.TotalBytes < 0)
                throw new ManifestFormatException("its chunk list comes before its sizes, or its sizes are out of range.");
            if (!await _json.ReadAsync(cancellationToken).ConfigureAwait(false) || _json.TokenType != JsonToken.StartArray)
                throw new ManifestFormatException("its chunk list is not a list.");
            _sawChunks = true;
            _state = State.Chunks;
            return;
        }
        if (!await _json.ReadAsync(cancellationToken).ConfigureAwait(false)) throw new ManifestFormatException("it ends inside its JSON.");
        _header = name switch
        {
            "formatVersion" => _json.Value is long v && v == 1 ? _header
                : _json.Value is long newer && newer > 1 ? throw new NewerManifestException((int)Math.Min(newer, int.MaxValue))
                : throw new ManifestFormatException("its format version is not 1."),
            "copyId" => _header with { CopyId = _serializer.Deserialize<string>(_json)! },
            "source" => _header with { Source = _serializer.Deserialize<CopySource>(_json)! },
            "baseCopyId" => _header with { BaseCopyId = _serializer.Deserialize<string?>(_json) },
            "chunkSize" => _header with { ChunkSize = _serializer.Deserialize<int>(_json) },
            "totalBytes" => _header with { TotalBytes = _serializer.Deserialize<long>(_json) },
            "imageSha256" => _header with { ImageSha256 = _serializer.Deserialize<string>(_json)! },
            "createdUtc" => _header with { CreatedUtc = _serializer.Deserialize<DateTime>(_json) },
            "statistics" => _header with { Statistics = _serializer.Deserialize<CopyStatistics?>(_json) },
            _ => Skip(),
        };
    }

    private CopyManifest Skip()
    {
        _json.Skip();
        return _header;
    }

    /// <summary>The next chunk object; zero chunks are gathered into a run, returned when a stored chunk or the end follows.</summary>
    private async Task<ChunkRun?> NextChunkAsync(CancellationToken cancellationToken)
    {
        if (!await _json.ReadAsync(cancellationToken).ConfigureAwait(false)) throw new ManifestFormatException("it ends inside its chunk list.");
        if (_json.TokenType == JsonToken.EndArray)
        {
            _state = State.Object;
            return TakeZeroRun(_next);
        }
        if (_json.TokenType != JsonToken.StartObject) throw new ManifestFormatException($"chunk {_next} is not an object.");
        string? digest = null;
        long? length = null;
        bool? zero = null;
        while (await _json.ReadAsync(cancellationToken).ConfigureAwait(false) && _json.TokenType == JsonToken.PropertyName)
        {
            var property = (string)_json.Value!;
            await _json.ReadAsync(cancellationToken).ConfigureAwait(false);
            switch (property)
            {
                case "sha256": digest = _json.Value as string; break;
                case "length": length = _json.Value as long?; break;
                case "zero": zero = _json.Value as bool?; break;
                default: _json.Skip(); break;
            }
        }
        if (_json.TokenType != JsonToken.EndObject) throw new ManifestFormatException($"chunk {_next} is malformed.");

        var index = _next++;
        var expectedLength = Math.Min(_header.ChunkSize, _header.TotalBytes - index * _header.ChunkSize);
        if (expectedLength <= 0) throw new ManifestFormatException($"it lists more than the chunks of {_header.TotalBytes} bytes.");
        if (length != expectedLength || zero is null || !ChunkDigest.IsValid(digest)) throw new ManifestFormatException($"chunk {index} has a wrong length or digest.");
        if (zero.Value)
        {
            if (digest != ChunkDigest.OfZeros((int)expectedLength)) throw new ManifestFormatException($"chunk {index} is marked zero but its digest is not that of zeros.");
            if (_zeroRunStart < 0) _zeroRunStart = index;
            return null;
        }
        _dataChunks++;
        var data = ChunkRun.Data(index, digest!);
        if (TakeZeroRun(index) is { } zeros)
        {
            _held = data;
            return zeros;
        }
        return data;
    }

    /// <summary>The zero chunks gathered so far, which end before chunk <paramref name="end"/>.</summary>
    private ChunkRun? TakeZeroRun(long end)
    {
        if (_zeroRunStart < 0) return null;
        var run = ChunkRun.Zeros(_zeroRunStart, end - _zeroRunStart);
        _zeroRunStart = -1;
        return run;
    }

    private async Task FinishAsync(CancellationToken cancellationToken)
    {
        // Whatever follows the object on its line would have broken the old reader too.
        if (await _json.ReadAsync(cancellationToken).ConfigureAwait(false)) throw new ManifestFormatException("its JSON line goes on after the object.");
        await _checked.DrainAsync(cancellationToken).ConfigureAwait(false);
        if (!_sawChunks) throw new ManifestFormatException("required fields are missing.");
        if (_next != _header.ChunkCount) throw new ManifestFormatException($"it lists {_next} chunks for {_header.TotalBytes} bytes (expected {_header.ChunkCount}).");
        _header = _header with { DataChunks = _dataChunks };
        var problem = ManifestCodec.CheckHeader(_header);
        if (problem is not null) throw new ManifestFormatException(problem);
        _state = State.Done;
    }

    public void Dispose() => ((IDisposable)_json).Dispose();
}

/// <summary>The bytes of a stream up to its first newline, then the end: the JSON line of a version-1 manifest.</summary>
internal sealed class FirstLineStream(Stream inner) : Stream
{
    private bool _ended;

    public override int Read(Span<byte> buffer)
    {
        if (_ended || buffer.IsEmpty) return 0;
        // One byte at a time past the buffer would be slow; read a block and stop at the newline. Bytes after it
        // are the trailer, which the checksum stream has seen and keeps: nothing here needs them.
        var n = inner.Read(buffer);
        return Cut(buffer[..n]);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_ended || buffer.IsEmpty) return 0;
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Cut(buffer.Span[..n]);
    }

    private int Cut(ReadOnlySpan<byte> read)
    {
        var newline = read.IndexOf((byte)'\n');
        if (newline < 0) return read.Length;
        _ended = true;
        return newline;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
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
