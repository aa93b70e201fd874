namespace StorageSnapshot.Engine.Secondary.Repository;

/// <summary>
/// Reads one manifest file as a stream, whatever its version: the chunk list run by run
/// (<see cref="NextAsync"/>), then — once the end of the file has proved the checksum and the structure — the
/// header (<see cref="Manifest"/>). Memory does not depend on the manifest's size. Every problem is a
/// <see cref="CopyCorruptException"/> naming the file; when the checksum does not match, that is what it says,
/// whatever else a parser found wrong first. Runs handed out before the end are not yet proved: a caller that
/// must not act on a damaged list reads the whole manifest first (<see cref="IChunkStore.ReadManifestAsync"/>).
/// </summary>
internal sealed class ManifestFileReader : IAsyncDisposable
{
    private readonly Stream _file;
    private readonly TrailerChecksumStream _checked;
    private readonly IManifestParser _parser;
    private readonly string _copyId;
    private readonly string _where;
    private CopyManifest? _manifest;

    private ManifestFileReader(Stream file, TrailerChecksumStream @checked, IManifestParser parser, string copyId, string where)
    {
        _file = file;
        _checked = @checked;
        _parser = parser;
        _copyId = copyId;
        _where = where;
    }

    /// <summary>The header; only once <see cref="NextAsync"/> has returned null.</summary>
    public CopyManifest Manifest => _manifest ?? throw new InvalidOperationException("The manifest has not been read to its end.");

    /// <summary>Starts reading <paramref name="file"/> (positioned at its start; owned by the reader from now on).</summary>
    public static async Task<ManifestFileReader> OpenAsync(Stream file, string copyId, string where, CancellationToken cancellationToken)
    {
        try
        {
            // A version-1 manifest is one JSON object; later versions start with the magic word.
            var first = new byte[1];
            var isVersion1 = await file.ReadAsync(first, cancellationToken).ConfigureAwait(false) == 1 && first[0] == (byte)'{';
            file.Position = 0;
            var @checked = new TrailerChecksumStream(file, newlineBeforeTrailer: isVersion1);
            IManifestParser parser = isVersion1 ? new ManifestV1Parser(@checked) : new ManifestV2Parser(@checked);
            return new ManifestFileReader(file, @checked, parser, copyId, where);
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The next run of the chunk list, in image order; null after the last one, when the whole file has been
    /// checked (then <see cref="Manifest"/> is set).
    /// </summary>
    public async ValueTask<ChunkRun?> NextAsync(CancellationToken cancellationToken)
    {
        if (_manifest is not null) return null;
        string why;
        try
        {
            var run = await _parser.NextAsync(cancellationToken).ConfigureAwait(false);
            if (run is not null) return run;
            if (!_checked.AtEnd) throw new ManifestFormatException("it goes on after its end.");
            if (!_checked.TrailerMatches()) throw new ManifestFormatException("its checksum does not match its content.");
            _manifest = _parser.Manifest;
            return null;
        }
        catch (ManifestFormatException e)
        {
            why = e.Message;
        }
        catch (NewerManifestException e)
        {
            // Every version ends with the same trailer: an intact file really is newer; a damaged one (a flipped
            // bit in its version number) is corruption, not a reason to update the module.
            if (!_checked.AtEnd) await _checked.DrainAsync(cancellationToken).ConfigureAwait(false);
            if (_checked.TrailerMatches()) throw ManifestCodec.Newer(_copyId, _where, e.Version);
            why = "its checksum does not match its content.";
        }
        // Damage explains everything else: say so when the checksum does not match.
        if (!_checked.AtEnd) await _checked.DrainAsync(cancellationToken).ConfigureAwait(false);
        if (!_checked.TrailerMatches()) why = "its checksum does not match its content.";
        throw ManifestCodec.Corrupt(_copyId, _where, why);
    }

    public async ValueTask DisposeAsync()
    {
        _parser.Dispose();
        await _checked.DisposeAsync().ConfigureAwait(false);
        await _file.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>One manifest version's parser: runs in order, then the header.</summary>
internal interface IManifestParser : IDisposable
{
    /// <summary>The next run; null at the end (the parser has checked the structure; the caller checks the trailer).</summary>
    ValueTask<ChunkRun?> NextAsync(CancellationToken cancellationToken);

    /// <summary>The header, once <see cref="NextAsync"/> returned null.</summary>
    CopyManifest Manifest { get; }
}

/// <summary>A manifest names a format version this module does not know.</summary>
internal sealed class NewerManifestException(int version) : Exception($"manifest format version {version}")
{
    public int Version { get; } = version;
}

/// <summary>Version 2: magic line, header line, one line per entry, trailer line.</summary>
internal sealed class ManifestV2Parser(Stream @checked) : IManifestParser
{
    private readonly ManifestLineReader _lines = new(@checked);
    private CopyManifest? _header;
    private long _next;
    private long _dataChunks;
    private bool _done;

    public CopyManifest Manifest => _done ? _header! : throw new InvalidOperationException("The manifest has not been read to its end.");

    public async ValueTask<ChunkRun?> NextAsync(CancellationToken cancellationToken)
    {
        if (_done) return null;
        _header ??= await ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
        var line = await _lines.ReadLineAsync(ManifestCodec.TrailerLength, cancellationToken).ConfigureAwait(false)
                   ?? throw new ManifestFormatException("it has no checksum line.");
        if (line.Span.StartsWith("sha256 "u8))
        {
            // The trailer itself is checked by the stream; here: nothing after it, and the list is complete.
            if (await _lines.ReadLineAsync(0, cancellationToken).ConfigureAwait(false) is not null || line.Length != ManifestCodec.TrailerLength - 1)
                throw new ManifestFormatException("its checksum line is malformed or not the last line.");
            if (_next != _header.ChunkCount)
                throw new ManifestFormatException($"it lists {_next} chunks for {_header.TotalBytes} bytes (expected {_header.ChunkCount}).");
            if (_dataChunks != _header.DataChunks)
                throw new ManifestFormatException($"it lists {_dataChunks} stored chunks, its header {_header.DataChunks}.");
            _done = true;
            return null;
        }
        if (line.Length > ManifestCodec.MaxEntryLineBytes) throw new ManifestFormatException($"line {_lines.LineNumber} is not a chunk entry.");
        var run = ManifestCodec.ParseEntry(line.Span, _next) ?? throw new ManifestFormatException($"line {_lines.LineNumber} is not a chunk entry.");
        if (run.EndIndex > _header.ChunkCount || run.EndIndex < _next)
            throw new ManifestFormatException($"it lists more than the {_header.ChunkCount} chunks of {_header.TotalBytes} bytes.");
        _next = run.EndIndex;
        if (!run.IsZero) _dataChunks++;
        return run;
    }

    private async Task<CopyManifest> ReadHeaderAsync(CancellationToken cancellationToken)
    {
        var magic = await _lines.ReadLineAsync(64, cancellationToken).ConfigureAwait(false) ?? throw new ManifestFormatException("it is empty.");
        var version = ManifestCodec.ParseMagic(magic.Span) ?? throw new ManifestFormatException("it is not a manifest (no format line).");
        if (version > CopyManifest.CurrentVersion) throw new NewerManifestException(version);
        if (version != 2) throw new ManifestFormatException($"its format line names version {version}.");
        var header = await _lines.ReadLineAsync(ManifestCodec.MaxHeaderLineBytes, cancellationToken).ConfigureAwait(false)
                     ?? throw new ManifestFormatException("it has no header.");
        return ManifestCodec.ParseHeader(header.Span, version);
    }

    public void Dispose() { }
}
