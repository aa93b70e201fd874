using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Newtonsoft.Json;
using StorageSnapshot.Engine.Platform;
using StorageSnapshot.Engine.Platform.Linux;

namespace StorageSnapshot.Engine.Secondary.Repository;

/// <summary>
/// A repository in a directory (local disk or a mounted NFS/SMB share). Layout:
/// <code>
/// repository.json              format file (RepositoryFormat), written once
/// chunks/ab/abcdef...          one file per chunk, named by its SHA-256, fanned out by its first two digits
/// manifests/&lt;copyId&gt;.manifest  one file per committed copy (ManifestCodec)
/// tmp/                         files being written (storagesnapshot-tmp-*); renamed into place when complete and flushed
/// locks/                       flock files: repository.lock (copies shared, collection exclusive), copy-&lt;key&gt;.lock
/// </code>
/// Every file appears under its final name only complete and flushed (write to tmp/, fsync, rename), so a
/// SIGKILL or power cut leaves at worst stray files in tmp/, never a short chunk or manifest.
/// </summary>
internal sealed class FileSystemChunkStore : IChunkStore
{
    /// <summary>Name of the format file at the repository root.</summary>
    public const string FormatFileName = "repository.json";

    private const string ManifestExtension = ".manifest";
    private static readonly TimeSpan LockPollInterval = TimeSpan.FromMilliseconds(50);

    private readonly string _chunks;
    private readonly string _manifests;
    private readonly string _temporary;
    private readonly string _locks;
    private readonly ConcurrentDictionary<string, bool> _knownFanOutDirectories = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task<bool>> _putsInFlight = new(StringComparer.Ordinal);
    private readonly ChunkWriteBehind _writeBehind;
    private volatile bool _directWrites = true;

    private FileSystemChunkStore(string root, RepositoryFormat format)
    {
        Root = root;
        Format = format;
        _chunks = Path.Combine(root, "chunks");
        _manifests = Path.Combine(root, "manifests");
        _temporary = Path.Combine(root, "tmp");
        _locks = Path.Combine(root, "locks");
        _writeBehind = new ChunkWriteBehind(SettleChunk);
    }

    /// <summary>The repository directory.</summary>
    public string Root { get; }

    /// <inheritdoc />
    public RepositoryFormat Format { get; }

    /// <inheritdoc />
    public string Description => Root;

    /// <summary>
    /// Opens the repository at <paramref name="root"/>, or creates one there with <paramref name="newRepository"/>'s
    /// settings (default: 4 MiB chunks, no compression) when the directory is empty — or missing and
    /// <paramref name="createMissingDirectory"/> allows creating it. An existing repository keeps its own settings
    /// (and gets an id if it was made before repositories had one). A directory that holds anything else is
    /// refused, naming what is there: a repository never adopts a folder of someone else's files.
    /// </summary>
    public static Task<FileSystemChunkStore> OpenOrCreateAsync(string root, RepositoryFormat? newRepository, CancellationToken cancellationToken,
        bool createMissingDirectory = true) =>
        OpenCoreAsync(Path.GetFullPath(root), newRepository ?? new RepositoryFormat(), createMissingDirectory, expectedId: null, cancellationToken);

    /// <summary>
    /// Opens an existing repository. A missing or emptied directory is "not reachable" (an unmounted share); a
    /// directory without a format file is not a repository; with <paramref name="expectedId"/>, a repository
    /// with another id (a different share mounted there) is refused.
    /// </summary>
    public static Task<FileSystemChunkStore> OpenAsync(string root, CancellationToken cancellationToken, string? expectedId = null) =>
        OpenCoreAsync(Path.GetFullPath(root), null, createMissingDirectory: false, expectedId, cancellationToken);

    /// <summary>
    /// Looks, changing nothing, at what registering <paramref name="root"/> would find: the format of the
    /// repository there, or null when a new one would be created (the directory is empty, or missing and
    /// <paramref name="createMissingDirectory"/>). Throws the error registration would raise otherwise.
    /// </summary>
    public static async Task<RepositoryFormat?> InspectAsync(string root, bool createMissingDirectory, CancellationToken cancellationToken)
    {
        root = Path.GetFullPath(root);
        try
        {
            var formatPath = Path.Combine(root, FormatFileName);
            if (File.Exists(formatPath)) return await ReadFormatFileAsync(root, formatPath, cancellationToken);
            RepositoryDirectory.CheckCanCreateIn(root, createMissingDirectory);
            return null;
        }
        catch (Exception e) when (SecondaryStorageErrors.IsStorageFailure(e))
        {
            throw SecondaryStorageErrors.From(e, root, "looking at the directory");
        }
    }

    private static async Task<FileSystemChunkStore> OpenCoreAsync(string root, RepositoryFormat? create, bool createMissingDirectory, string? expectedId,
        CancellationToken cancellationToken)
    {
        try
        {
            var formatPath = Path.Combine(root, FormatFileName);
            if (!File.Exists(formatPath))
            {
                if (create is null) throw RepositoryDirectory.NotARepository(root);
                var problems = create.Validate();
                if (problems.Count > 0) throw new ValidationException(ErrorIds.InvalidArgument, problems, root);
                if (PrepareUnlessCreatedMeanwhile(root, formatPath, createMissingDirectory))
                    await WriteFormatFileAsync(root, create with { Id = create.Id ?? RepositoryFormat.NewId(), CreatedUtc = DateTime.UtcNow }, replace: false, cancellationToken);
            }

            var format = await ReadFormatFileAsync(root, formatPath, cancellationToken);
            if (create is not null && format.Id is null)
            {
                // Made before repositories carried an id: give it one now, so it can be told apart from others.
                await WriteFormatFileAsync(root, format with { Id = RepositoryFormat.NewId() }, replace: true, cancellationToken);
                format = await ReadFormatFileAsync(root, formatPath, cancellationToken);
            }
            if (expectedId is not null && !string.Equals(format.Id, expectedId, StringComparison.OrdinalIgnoreCase))
                throw RepositoryDirectory.AnotherRepository(root, format.Id, expectedId);

            var store = new FileSystemChunkStore(root, format);
            foreach (var directory in new[] { store._chunks, store._manifests, store._temporary, store._locks })
            {
                DurableFileSystem.CreateDirectoryInExistingParent(directory);
            }
            return store;
        }
        catch (Exception e) when (SecondaryStorageErrors.IsStorageFailure(e))
        {
            throw SecondaryStorageErrors.From(e, root, "opening the repository");
        }
    }

    /// <summary>
    /// Checks that a new repository may be created at <paramref name="root"/> (creating the directory when asked);
    /// false when another command created it since this one looked — its format file is now there, and the empty
    /// check sees it — so that both read the one repository, as when they cross later at the format file's move.
    /// </summary>
    private static bool PrepareUnlessCreatedMeanwhile(string root, string formatPath, bool createMissingDirectory)
    {
        try
        {
            RepositoryDirectory.PrepareForNewRepository(root, createMissingDirectory);
            return true;
        }
        catch (ValidationException) when (File.Exists(formatPath))
        {
            return false;
        }
    }

    private static async Task WriteFormatFileAsync(string root, RepositoryFormat format, bool replace, CancellationToken cancellationToken)
    {
        var temporary = Path.Combine(root, RepositoryFileNames.NewTemporaryFormatFile());
        await WriteDurablyAsync(temporary, Encoding.UTF8.GetBytes(JsonConvert.SerializeObject(format, Formatting.Indented) + "\n"), cancellationToken);
        var target = Path.Combine(root, FormatFileName);
        if (replace) File.Move(temporary, target, overwrite: true);
        // No overwrite when creating: when two commands create the repository at once, the first format file wins
        // and both then read it. Atomically (renameat2 RENAME_NOREPLACE): File.Move's refusal is a check before a
        // rename, and two creators racing through it each replaced the other's file and opened different ids.
        else if (!DurableFileSystem.TryRenameNoReplace(temporary, target)) File.Delete(temporary);
        DurableFileSystem.SyncDirectory(root);
    }

    private static async Task<RepositoryFormat> ReadFormatFileAsync(string root, string formatPath, CancellationToken cancellationToken)
    {
        RepositoryFormat? format;
        try
        {
            format = JsonConvert.DeserializeObject<RepositoryFormat>(await File.ReadAllTextAsync(formatPath, cancellationToken));
        }
        catch (JsonException e)
        {
            throw new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.InvalidData,
                $"The format file of repository '{root}' does not parse: {e.Message}", root, e);
        }
        if (format is null || format.Kind != RepositoryFormat.RepositoryKind)
        {
            throw new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.InvalidData,
                $"'{formatPath}' is not a StorageSnapshot repository format file.", root);
        }
        if (format.Version > RepositoryFormat.CurrentVersion)
        {
            throw new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.NotImplemented,
                $"Repository '{root}' has format version {format.Version}; this module reads versions up to {RepositoryFormat.CurrentVersion}.", root)
            { RecommendedAction = "Update the StorageSnapshot module to use this repository." };
        }
        var problems = format.Validate();
        if (problems.Count > 0)
        {
            throw new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.InvalidData,
                $"The format file of repository '{root}' is invalid: {string.Join(" ", problems)}", root);
        }
        return format;
    }

    /// <summary>Path of a chunk file.</summary>
    internal string ChunkPath(string digest) => Path.Combine(_chunks, digest[..2], digest);

    /// <summary>Path of a manifest file.</summary>
    internal string ManifestPath(string copyId) => Path.Combine(_manifests, CheckedId(copyId) + ManifestExtension);

    /// <inheritdoc />
    public async Task<long> PutChunkIfAbsentAsync(string digest, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        ChunkDigest.Require(digest);
        // Two workers of one copy holding identical chunks would otherwise both find the chunk absent and both
        // store it — File.Move without overwrite checks and renames in two steps here, so both moves can succeed —
        // counting it as new twice (seen as a flaky RoundTripTests). The second waits for the first instead; if
        // the first failed, it stores the chunk itself. Same bytes either way: only the figures were wrong.
        while (true)
        {
            var mine = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var running = _putsInFlight.GetOrAdd(digest, mine.Task);
            if (running != mine.Task)
            {
                if (await running.WaitAsync(cancellationToken)) return 0;
                continue;
            }
            var stored = false;
            try
            {
                var length = await PutChunkCoreAsync(digest, data, cancellationToken);
                stored = true;
                return length;
            }
            finally
            {
                _putsInFlight.TryRemove(KeyValuePair.Create(digest, mine.Task));
                mine.SetResult(stored);
            }
        }
    }

    private async Task<long> PutChunkCoreAsync(string digest, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var path = ChunkPath(digest);
        try
        {
            if (_writeBehind.Holds(digest) || TryMarkUsed(path)) return 0;

            // Without compression a chunk file is the chunk's bytes: written from the caller's buffer as they are.
            // Encoding them anyway cost a 4 MiB copy per chunk and parked a 4 MiB array from the shared pool on
            // every thread that stored one (issue 11: a runbook's peak RSS).
            byte[]? encoded = null;
            var bytes = data;
            if (Format.Compression != ChunkCompression.None)
            {
                (encoded, var encodedLength) = ChunkCodec.Encode(data.Span, Format.Compression);
                bytes = encoded.AsMemory(0, encodedLength);
            }
            var length = bytes.Length;
            var temporary = Path.Combine(_temporary, RepositoryFileNames.NewTemporaryChunk());
            FileStream written;
            try
            {
                written = await WriteChunkFileAsync(temporary, bytes, cancellationToken);
            }
            finally
            {
                if (encoded is not null) ArrayPool<byte>.Shared.Return(encoded);
            }
            // Durable and visible later, in the write-behind window (ChunkWriteBehind says why); counted as stored
            // now — if another process stores the same chunk first meanwhile, only this figure is high.
            _writeBehind.Add(new WrittenChunk(digest, temporary, written, length));
            return length;
        }
        catch (Exception e) when (SecondaryStorageErrors.IsStorageFailure(e))
        {
            throw SecondaryStorageErrors.From(e, Root, $"storing chunk {digest}");
        }
    }

    /// <summary>
    /// Makes a written chunk durable (fsync) and then visible under its name (rename, no overwrite). Its
    /// temporary goes whatever happens: a chunk another copy stored first has the same bytes by definition, and
    /// one that cannot be settled is nobody's.
    /// </summary>
    private void SettleChunk(WrittenChunk chunk)
    {
        var path = ChunkPath(chunk.Digest);
        try
        {
            try
            {
                chunk.File.Flush(flushToDisk: true);
            }
            finally
            {
                chunk.File.Dispose();
            }
            var directory = Path.GetDirectoryName(path)!;
            if (!_knownFanOutDirectories.ContainsKey(directory))
            {
                DurableFileSystem.CreateDirectoryInExistingParent(directory);
                _knownFanOutDirectories.TryAdd(directory, true);
            }
            // Another copy stored the same chunk first: same bytes by definition, so its file stays.
            if (!DurableFileSystem.TryRenameNoReplace(chunk.Temporary, path)) StrayFiles.TryDelete(chunk.Temporary);
        }
        catch (Exception e) when (SecondaryStorageErrors.IsStorageFailure(e))
        {
            StrayFiles.TryDelete(chunk.Temporary);
            throw SecondaryStorageErrors.From(e, Root, $"storing chunk {chunk.Digest}");
        }
        catch
        {
            StrayFiles.TryDelete(chunk.Temporary);
            throw;
        }
    }

    /// <summary>Touches an existing chunk so the collection grace period counts from now; false when absent.</summary>
    private static bool TryMarkUsed(string path)
    {
        try
        {
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
            return true;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public Task<bool> ChunkExistsAsync(string digest, CancellationToken cancellationToken)
    {
        ChunkDigest.Require(digest);
        return Task.FromResult(File.Exists(ChunkPath(digest)));
    }

    /// <inheritdoc />
    public async Task<int> ReadChunkAsync(string digest, Memory<byte> destination, CancellationToken cancellationToken)
    {
        ChunkDigest.Require(digest);
        var path = ChunkPath(digest);
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
            var fileLength = RandomAccess.GetLength(handle);
            // Compressed or tagged chunks are at most one byte longer than the chunk itself.
            if (fileLength > Format.ChunkSize + 1) throw new ChunkUnreadableException(digest, $"chunk {digest} is {fileLength} bytes long, more than a chunk.");
            if (Format.Compression == ChunkCompression.None)
            {
                if (fileLength > destination.Length) throw new ChunkUnreadableException(digest, $"chunk {digest} is longer than a chunk.");
                return await FullReads.ReadAsync(handle, 0, destination[..(int)fileLength], cancellationToken);
            }

            var stored = ArrayPool<byte>.Shared.Rent((int)fileLength);
            try
            {
                var read = await FullReads.ReadAsync(handle, 0, stored.AsMemory(0, (int)fileLength), cancellationToken);
                return ChunkCodec.Decode(stored.AsSpan(0, read), destination.Span, Format.Compression);
            }
            catch (InvalidDataException e)
            {
                throw new ChunkUnreadableException(digest, $"chunk {digest} does not decode: {e.Message}", e);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(stored);
            }
        }
        catch (Exception e) when (e is FileNotFoundException || (e is DirectoryNotFoundException && Directory.Exists(_chunks)))
        {
            throw new ChunkUnreadableException(digest, $"chunk {digest} is missing.", e);
        }
        catch (Exception e) when (SecondaryStorageErrors.IsStorageFailure(e))
        {
            throw SecondaryStorageErrors.From(e, Root, $"reading chunk {digest}");
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<StoredChunk> ListChunksAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        // Only files named as chunks in the fan-out folder of their own first two digits: anything else someone
        // put under chunks/ is not ours to report (nor, therefore, for collection to delete).
        foreach (var fanOut in new DirectoryInfo(_chunks).EnumerateDirectories())
        {
            if (!RepositoryFileNames.IsFanOutDirectory(fanOut.Name)) continue;
            foreach (var file in fanOut.EnumerateFiles())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (RepositoryFileNames.IsChunkFile(fanOut.Name, file.Name)) yield return new StoredChunk(file.Name, file.Length, file.LastWriteTimeUtc);
            }
        }
    }

    /// <inheritdoc />
    public Task DeleteChunkAsync(string digest, CancellationToken cancellationToken)
    {
        ChunkDigest.Require(digest);
        Guard(() => File.Delete(ChunkPath(digest)), $"deleting chunk {digest}");
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<StagedChunkList> StageChunkListAsync(string copyId, long totalBytes, CancellationToken cancellationToken)
    {
        var temporary = Path.Combine(_temporary, RepositoryFileNames.NewTemporaryChunkList(CheckedId(copyId)));
        return Task.FromResult(Guard(() => new StagedChunkList(temporary, Format.ChunkSize, totalBytes), $"staging the chunk list of copy {copyId}"));
    }

    /// <inheritdoc />
    public async Task CommitManifestAsync(CopyManifest manifest, StagedChunkList chunks, CancellationToken cancellationToken)
    {
        var path = ManifestPath(manifest.CopyId);
        chunks.Complete();
        if (manifest.ChunkSize != chunks.ChunkSize || manifest.TotalBytes != chunks.TotalBytes || manifest.DataChunks != chunks.DataChunks
            || manifest.ImageSha256 != chunks.ImageSha256 || ManifestCodec.CheckHeader(manifest) is not null)
        {
            throw new InvalidOperationException($"The header of copy {manifest.CopyId} does not describe its chunk list.");
        }
        var temporary = Path.Combine(_temporary, RepositoryFileNames.NewTemporaryManifest());
        try
        {
            if (File.Exists(path))
            {
                throw new ConflictException(ErrorIds.AlreadyExists, $"Copy {manifest.CopyId} is already committed in '{Root}'.", manifest.CopyId, ErrorKind.ResourceExists);
            }

            // Every chunk the list names must be present and its directory entry durable before the manifest can
            // be: a visible copy never references a chunk a power cut could take away. Chunks still in the
            // write-behind window are made so first. The list is streamed from its staged file into the manifest,
            // checking each stored chunk on the way (at most 256 fan-out directories to fsync, whatever the size).
            await _writeBehind.SettleAllAsync();
            var directories = new HashSet<string>(StringComparer.Ordinal);
            await using (var file = new FileStream(temporary, Platform.FilePermissions.OwnerOnly.NewFile(FileAccess.Write, bufferSize: 64 << 10)))
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var preamble = ManifestCodec.EncodePreamble(manifest);
                hash.AppendData(preamble);
                file.Write(preamble);
                var line = new byte[ManifestCodec.MaxEntryLineBytes + 1];
                await foreach (var run in chunks.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (run.Digest is { } digest)
                    {
                        var chunkPath = ChunkPath(digest);
                        if (!File.Exists(chunkPath))
                        {
                            throw new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.InvalidOperation,
                                $"Cannot commit copy {manifest.CopyId}: chunk {digest} is not in '{Root}'.", manifest.CopyId);
                        }
                        directories.Add(Path.GetDirectoryName(chunkPath)!);
                    }
                    var length = ManifestCodec.EncodeEntry(run, line);
                    hash.AppendData(line, 0, length);
                    file.Write(line, 0, length);
                }
                file.Write(ManifestCodec.EncodeTrailer(hash.GetHashAndReset()));
                file.Flush(flushToDisk: true);
            }
            foreach (var directory in directories)
            {
                cancellationToken.ThrowIfCancellationRequested();
                DurableFileSystem.SyncDirectory(directory);
            }
            // A fan-out directory made by this copy is itself an entry of chunks/: durable only once chunks/ is
            // synced (XFS and ext4 journal the mkdir; other filesystems may not). One fsync per commit.
            if (directories.Count > 0) DurableFileSystem.SyncDirectory(_chunks);
            // Past this point the copy is committed whatever happens to the caller: no cancellation.
            File.Move(temporary, path, overwrite: false);
            DurableFileSystem.SyncDirectory(_manifests);
        }
        catch (Exception e) when (SecondaryStorageErrors.IsStorageFailure(e))
        {
            StrayFiles.TryDelete(temporary);
            throw SecondaryStorageErrors.From(e, Root, $"committing copy {manifest.CopyId}");
        }
        catch
        {
            StrayFiles.TryDelete(temporary);
            throw;
        }
    }

    /// <inheritdoc />
    public async Task<CopyManifest> ReadManifestAsync(string copyId, CancellationToken cancellationToken)
    {
        await using var reader = await OpenManifestAsync(copyId, cancellationToken).ConfigureAwait(false);
        while (await NextRunAsync(reader, copyId, cancellationToken).ConfigureAwait(false) is not null) { }
        return CheckedManifest(reader, copyId);
    }

    /// <inheritdoc />
    public Task<bool> ManifestExistsAsync(string copyId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = ManifestPath(copyId);
        try
        {
            // Not File.Exists, which answers false for an unmounted share too: only "no such file" in a
            // manifests/ folder that is there means there is no manifest.
            File.GetAttributes(path);
            return Task.FromResult(true);
        }
        catch (FileNotFoundException)
        {
            return Task.FromResult(false);
        }
        catch (Exception e) when (SecondaryStorageErrors.IsStorageFailure(e))
        {
            throw SecondaryStorageErrors.From(e, Root, $"looking for the manifest of copy {copyId}");
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChunkRun> ReadChunkListAsync(string copyId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var reader = await OpenManifestAsync(copyId, cancellationToken).ConfigureAwait(false);
        while (await NextRunAsync(reader, copyId, cancellationToken).ConfigureAwait(false) is { } run) yield return run;
        CheckedManifest(reader, copyId);
    }

    private async Task<ManifestFileReader> OpenManifestAsync(string copyId, CancellationToken cancellationToken)
    {
        var path = ManifestPath(copyId);
        try
        {
            var file = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.Read | FileShare.Delete, BufferSize = 0, Options = FileOptions.SequentialScan,
            });
            return await ManifestFileReader.OpenAsync(file, copyId, path, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException)
        {
            throw new ObjectNotFoundException(ErrorIds.CopyNotFound, $"Repository '{Root}' has no copy {copyId}.", copyId);
        }
        catch (Exception e) when (SecondaryStorageErrors.IsStorageFailure(e))
        {
            throw SecondaryStorageErrors.From(e, Root, $"reading the manifest of copy {copyId}");
        }
    }

    private async ValueTask<ChunkRun?> NextRunAsync(ManifestFileReader reader, string copyId, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.NextAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (SecondaryStorageErrors.IsStorageFailure(e))
        {
            throw SecondaryStorageErrors.From(e, Root, $"reading the manifest of copy {copyId}");
        }
    }

    private static CopyManifest CheckedManifest(ManifestFileReader reader, string copyId)
    {
        var manifest = reader.Manifest;
        if (!string.Equals(manifest.CopyId, copyId, StringComparison.Ordinal))
        {
            throw new CopyCorruptException($"The manifest file of copy {copyId} describes copy {manifest.CopyId}.",
                new[] { $"manifest: names copy {manifest.CopyId}" }, copyId);
        }
        return manifest;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ListManifestsAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<string> ids = Guard(
            () => Directory.EnumerateFiles(_manifests, "*" + ManifestExtension)
                .Select(f => Path.GetFileNameWithoutExtension(f))
                .Order(StringComparer.Ordinal)
                .ToArray(),
            "listing copies");
        return Task.FromResult(ids);
    }

    /// <inheritdoc />
    public Task DeleteManifestAsync(string copyId, CancellationToken cancellationToken)
    {
        var path = ManifestPath(copyId);
        Guard(() =>
        {
            File.Delete(path);
            DurableFileSystem.SyncDirectory(_manifests);
        }, $"deleting copy {copyId}");
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IAsyncDisposable> LockRepositoryAsync(bool exclusive, TimeSpan timeout, CancellationToken cancellationToken) =>
        LockAsync(Path.Combine(_locks, "repository.lock"), exclusive, timeout, exclusive ? "collect chunks" : "copy", cancellationToken);

    /// <inheritdoc />
    public Task<IAsyncDisposable> LockCopyKeyAsync(string copyKey, TimeSpan timeout, CancellationToken cancellationToken) =>
        LockAsync(Path.Combine(_locks, $"copy-{CheckedId(copyKey)}.lock"), exclusive: true, timeout, $"copy {copyKey}", cancellationToken);

    private async Task<IAsyncDisposable> LockAsync(string path, bool exclusive, TimeSpan timeout, string purpose, CancellationToken cancellationToken)
    {
        var deadline = timeout == Timeout.InfiniteTimeSpan ? DateTime.MaxValue : DateTime.UtcNow + timeout;
        while (true)
        {
            var held = Guard(() => TryLock(path, exclusive), $"locking to {purpose}");
            if (held is not null) return held;
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"Another process holds the lock to {purpose} in '{Root}' ({path}).");
            }
            await Task.Delay(LockPollInterval, cancellationToken);
        }
    }

    /// <inheritdoc />
    public Task<int> DeleteAbandonedWritesAsync(DateTime olderThanUtc, CancellationToken cancellationToken)
    {
        var deleted = Guard(() =>
        {
            var count = 0;
            foreach (var file in new DirectoryInfo(_temporary).EnumerateFiles())
            {
                // Only the repository's own temporary files: never "everything in tmp/".
                if (!RepositoryFileNames.IsTemporaryFile(file.Name) || file.LastWriteTimeUtc >= olderThanUtc) continue;
                file.Delete();
                count++;
            }
            return count;
        }, "deleting stale temporary files");
        return Task.FromResult(deleted);
    }

    /// <summary>
    /// Settles the chunks still in the write-behind window: a copy that failed or was stopped keeps every chunk it
    /// wrote in full, as the figures it reports say, so that running it again reuses them. One that cannot be
    /// settled now has had its temporary deleted (a storage failure is what stopped the copy, and was reported).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _writeBehind.SettleAllAsync().ConfigureAwait(false);
        }
        catch (StorageSnapshotException)
        {
        }
    }

    /// <summary>
    /// Writes a chunk's temporary file and returns it open, written but not yet durable (the write-behind window
    /// fsyncs it): straight to the device when the chunk's buffer and length allow direct I/O and the filesystem
    /// takes it, else through the page cache with its writeback started at once. A write that fails or is
    /// cancelled removes the file it created.
    /// </summary>
    private async Task<FileStream> WriteChunkFileAsync(string path, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        using var pinned = data.Pin();
        var direct = _directWrites && DirectIo.IsAligned(0, data.Length) && DirectIo.IsAligned(pinned);
        var handle = direct ? DirectIo.TryCreate(path, Platform.FilePermissions.OwnerOnly.File) : null;
        if (direct && handle is null) _directWrites = false; // this filesystem refuses O_DIRECT: do not ask again
        var stream = handle is not null
            ? new FileStream(handle, FileAccess.Write, bufferSize: 0)
            : new FileStream(path, Platform.FilePermissions.OwnerOnly.NewFile(FileAccess.Write, preallocationSize: data.Length));
        try
        {
            await RandomAccess.WriteAsync(stream.SafeFileHandle, data, 0, cancellationToken);
            if (handle is null) DurableFileSystem.StartWriteback(stream.SafeFileHandle, 0, 0);
            return stream;
        }
        catch
        {
            await stream.DisposeAsync();
            StrayFiles.TryDelete(path);
            throw;
        }
    }

    /// <summary>
    /// Writes a new file and flushes it. A write that fails or is cancelled removes the file it created: a copy whose
    /// other workers are stopped by one failing chunk must not leave their half-written temporaries behind (the
    /// fault suite found them after failed, not crashed, copies).
    /// </summary>
    private static async Task WriteDurablyAsync(string path, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        // Owner-only: chunks and manifests are volume data (issue 8 found them readable by every local user).
        var stream = new FileStream(path, Platform.FilePermissions.OwnerOnly.NewFile(FileAccess.Write, preallocationSize: data.Length));
        try
        {
            await using (stream)
            {
                await stream.WriteAsync(data, cancellationToken);
                stream.Flush(flushToDisk: true);
            }
        }
        catch
        {
            // A half-written temporary is nobody's: it goes now, not at the next collection.
            StrayFiles.TryDelete(path);
            throw;
        }
    }

    private void Guard(Action action, string what) => Guard(() => { action(); return 0; }, what);

    private T Guard<T>(Func<T> action, string what)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (SecondaryStorageErrors.IsStorageFailure(e))
        {
            throw SecondaryStorageErrors.From(e, Root, what);
        }
    }

    /// <summary>Ids become file names: only [A-Za-z0-9_-] (inventory ids are base32).</summary>
    private static string CheckedId(string id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 128 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new ValidationException(ErrorIds.InvalidArgument, $"'{id}' is not a valid copy or snapshot id (letters, digits, '-' and '_' only).", id);
        }
        return id;
    }

    /// <summary>
    /// flock on Linux (shared with other hosts on NFSv4, released when the process dies); elsewhere the
    /// platform's share modes: shared holders open the lock file for reading with read sharing, the exclusive
    /// holder opens it allowing no sharing.
    /// </summary>
    private static IAsyncDisposable? TryLock(string path, bool exclusive)
    {
        if (OperatingSystem.IsLinux())
        {
            return FileLock.TryAcquire(path, exclusive) is { } held ? new HeldFlock(held) : null;
        }
        try
        {
            return exclusive
                ? new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None)
                : new FileStream(path, FileMode.OpenOrCreate, FileAccess.Read, FileShare.Read);
        }
        catch (IOException) when (File.Exists(path))
        {
            return null; // a sharing violation: someone holds it the other way
        }
    }

    private sealed class HeldFlock(FileLock held) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            held.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
