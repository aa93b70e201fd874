namespace StorageSnapshot.Engine.Secondary.Repository;

/// <summary>
/// The chunk list of a copy being made, written as it is settled (in image order) to a temporary file in the
/// repository in the manifest's own entry format, and read back when the manifest is committed
/// (<see cref="IChunkStore.CommitManifestAsync"/>): so a copy never holds its chunk list in memory, whatever the
/// volume's size. Consecutive zero chunks are merged into one run as they come. Also computes the image digest
/// and the counts the header needs. Disposing deletes the file. Not thread-safe: one writer adds in order.
/// </summary>
internal sealed class StagedChunkList : IAsyncDisposable
{
    private readonly FileStream _file;
    private readonly ImageDigestBuilder _image;
    private readonly byte[] _line = new byte[ManifestCodec.MaxEntryLineBytes + 1];
    private long _zeroRunStart = -1;
    private long _next;
    private string? _imageSha256;

    internal StagedChunkList(string path, int chunkSize, long totalBytes)
    {
        Path = path;
        ChunkSize = chunkSize;
        TotalBytes = totalBytes;
        ChunkCount = (totalBytes + chunkSize - 1) / chunkSize;
        _image = new ImageDigestBuilder(chunkSize, totalBytes);
        _file = new FileStream(path, Platform.FilePermissions.OwnerOnly.NewFile(FileAccess.ReadWrite, bufferSize: 64 << 10));
    }

    /// <summary>Where the list is staged.</summary>
    internal string Path { get; }

    /// <summary>Chunk size of the image.</summary>
    public int ChunkSize { get; }

    /// <summary>Image size in bytes.</summary>
    public long TotalBytes { get; }

    /// <summary>Chunks the image has.</summary>
    public long ChunkCount { get; }

    /// <summary>Stored (non-zero) chunks added.</summary>
    public long DataChunks { get; private set; }

    /// <summary>All-zero chunks added.</summary>
    public long ZeroChunks { get; private set; }

    /// <summary>Bytes of the entry lines (the manifest's body); final once <see cref="Complete"/> was called.</summary>
    public long EntryBytes { get; private set; }

    /// <summary>The image digest; once <see cref="Complete"/> was called.</summary>
    public string ImageSha256 => _imageSha256 ?? throw new InvalidOperationException("The chunk list is not complete.");

    /// <summary>Adds the next run (its first index must follow the previous run's last).</summary>
    public void Add(ChunkRun run)
    {
        if (_imageSha256 is not null) throw new InvalidOperationException("The chunk list is complete.");
        if (run.FirstIndex != _next || run.Count < 1 || run.EndIndex > ChunkCount)
            throw new InvalidOperationException($"Chunk run {run.FirstIndex}+{run.Count} does not continue the list at {_next} of {ChunkCount}.");
        _image.Add(run);
        if (run.IsZero)
        {
            if (_zeroRunStart < 0) _zeroRunStart = run.FirstIndex;
            ZeroChunks += run.Count;
            _next = run.EndIndex;
            return;
        }
        FlushZeroRun(); // the run pending ends where this chunk starts (_next)
        Write(run);
        DataChunks++;
        _next = run.EndIndex;
    }

    /// <summary>Ends the list: every chunk must have been added.</summary>
    public void Complete()
    {
        if (_imageSha256 is not null) return;
        if (_next != ChunkCount) throw new InvalidOperationException($"The chunk list ends at chunk {_next} of {ChunkCount}.");
        FlushZeroRun();
        _file.Flush();
        _imageSha256 = _image.Complete();
    }

    /// <summary>Reads the completed list back from the start, run by run.</summary>
    internal async IAsyncEnumerable<ChunkRun> ReadAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (_imageSha256 is null) throw new InvalidOperationException("The chunk list is not complete.");
        _file.Position = 0;
        var lines = new ManifestLineReader(_file);
        long next = 0;
        while (await lines.ReadLineAsync(ManifestCodec.MaxEntryLineBytes, cancellationToken).ConfigureAwait(false) is { } line)
        {
            var run = ManifestCodec.ParseEntry(line.Span, next) ?? throw new InvalidDataException($"The staged chunk list '{Path}' has a malformed line.");
            next = run.EndIndex;
            yield return run;
        }
        if (next != ChunkCount) throw new InvalidDataException($"The staged chunk list '{Path}' ends at chunk {next} of {ChunkCount}.");
    }

    private void FlushZeroRun()
    {
        if (_zeroRunStart < 0) return;
        Write(ChunkRun.Zeros(_zeroRunStart, _next - _zeroRunStart));
        _zeroRunStart = -1;
    }

    private void Write(ChunkRun run)
    {
        var length = ManifestCodec.EncodeEntry(run, _line);
        _file.Write(_line, 0, length);
        EntryBytes += length;
    }

    /// <summary>Closes and deletes the staged file.</summary>
    public async ValueTask DisposeAsync()
    {
        _image.Dispose();
        await _file.DisposeAsync().ConfigureAwait(false);
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
            // A stray temporary file is collected later; never fail a copy over it.
        }
        catch (UnauthorizedAccessException)
        {
            // Same.
        }
    }
}
