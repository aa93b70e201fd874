using System.Buffers;
using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Amazon.S3;
using Amazon.Runtime.Internal.Util;
using Amazon.S3.Model;
using Newtonsoft.Json;
using StorageSnapshot.Engine.Secondary.Repository;
using StorageSnapshot.Engine.Platform;

namespace StorageSnapshot.Engine.Secondary.S3;

/// <summary>
/// A repository in an S3 bucket (RADOS Gateway, MinIO, AWS S3, ...), under a prefix, with the layout of a directory
/// repository (<see cref="FileSystemChunkStore"/>), so that either can be copied to the other with rclone or s3cmd:
/// <code>
/// repository.json                 the format object (RepositoryFormat)
/// chunks/ab/abcdef...             one object per chunk, named by its SHA-256
/// manifests/&lt;copyId&gt;.manifest  one object per committed copy (ManifestCodec): the commit
/// intents/&lt;scope&gt;.&lt;holder&gt;.json  leases of running copies and collections (S3Leases); S3 only
/// </code>
/// Chunks are written with <c>If-None-Match: *</c> (a 412 means another writer stored the same bytes first), or
/// HEAD then PUT on a server that does not implement it; every PUT carries Content-MD5. A manifest is written last,
/// with <c>If-None-Match: *</c>, after every chunk it names was found present: a copy is visible exactly when its
/// manifest object exists, and a single PUT either creates it whole or not at all. No multipart upload is used.
/// </summary>
internal sealed class S3ChunkStore : IChunkStore
{
    /// <summary>The format object's name (as in a directory repository).</summary>
    public const string FormatObjectName = FileSystemChunkStore.FormatFileName;

    private const string ManifestExtension = ".manifest";

    /// <summary>The largest object one PUT may write (5 GiB).</summary>
    private const long SinglePutLimit = 5L << 30;

    private readonly AmazonS3Client _client;
    private readonly S3Place _place;
    private readonly S3Leases _leases;
    private volatile bool _conditionalPutUnsupported;

    private S3ChunkStore(AmazonS3Client client, S3Place place, RepositoryFormat format, S3LeaseTimings timings)
    {
        _client = client;
        _place = place;
        Format = format;
        _leases = new S3Leases(client, place, timings);
    }

    /// <inheritdoc />
    public RepositoryFormat Format { get; }

    /// <inheritdoc />
    public string Description => _place.Location;

    /// <summary>The place, for tests.</summary>
    internal S3Place Place => _place;

    /// <summary>Requests this store made, by kind (PUT of a new chunk, 412 answers, HEAD, GET): what the benchmark reports.</summary>
    internal S3RequestCounts Requests { get; } = new();

    /// <summary>What registering the place would find: its format, or null when the prefix is empty (a new repository). Changes nothing.</summary>
    public static async Task<RepositoryFormat?> InspectAsync(S3Place place, CancellationToken cancellationToken)
    {
        using var client = S3Clients.Create(place);
        try
        {
            var format = await ReadFormatAsync(client, place, cancellationToken).ConfigureAwait(false);
            if (format is not null) return format;
            await RequireEmptyAsync(client, place, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (S3Errors.IsStorageFailure(e))
        {
            throw S3Errors.From(e, place, "looking at the bucket");
        }
    }

    /// <summary>
    /// Opens the repository at the place, creating one with <paramref name="create"/>'s settings when the prefix is
    /// empty (null: it must exist). With <paramref name="expectedId"/>, a repository with another id is refused.
    /// </summary>
    public static async Task<S3ChunkStore> OpenAsync(S3Place place, RepositoryFormat? create, string? expectedId, S3LeaseTimings? timings, CancellationToken cancellationToken)
    {
        var client = S3Clients.Create(place);
        try
        {
            var format = await ReadFormatAsync(client, place, cancellationToken).ConfigureAwait(false);
            if (format is null)
            {
                if (create is null)
                {
                    throw new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.ObjectNotFound,
                        $"S3 secondary storage '{place.Location}' holds no repository (no {FormatObjectName} object under the prefix).", place.Location)
                    { RecommendedAction = "Check the endpoint, bucket and prefix; a repository moved to another bucket is registered again there." };
                }
                var problems = create.Validate();
                if (problems.Count > 0) throw new ValidationException(ErrorIds.InvalidArgument, problems, place.Location);
                await RequireEmptyAsync(client, place, cancellationToken).ConfigureAwait(false);
                var body = Encoding.UTF8.GetBytes(JsonConvert.SerializeObject(create with { Id = create.Id ?? RepositoryFormat.NewId(), CreatedUtc = DateTime.UtcNow }, Formatting.Indented) + "\n");
                try
                {
                    // If-None-Match: two registrations racing on one prefix both end up with the first format object.
                    await PutAsync(client, place, place.Key(FormatObjectName), body, ifNoneMatch: true, cancellationToken).ConfigureAwait(false);
                }
                catch (AmazonS3Exception e) when (S3Errors.IsPreconditionFailed(e))
                {
                }
                format = await ReadFormatAsync(client, place, cancellationToken).ConfigureAwait(false)
                         ?? throw new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.InvalidData,
                             $"S3 secondary storage '{place.Location}': the format object just written cannot be read back.", place.Location);
            }
            if (expectedId is not null && !string.Equals(format.Id, expectedId, StringComparison.OrdinalIgnoreCase))
            {
                throw new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.InvalidData,
                    $"S3 secondary storage '{place.Location}' now holds repository {format.Id ?? "(without an id)"}, not the registered repository {expectedId}.", place.Location)
                { RecommendedAction = "Point the storage at the bucket and prefix that hold the registered repository, or unregister it." };
            }
            var store = new S3ChunkStore(client, place, format, timings ?? S3LeaseTimings.Default);
            store._conditionalPutUnsupported = !await HonoursConditionalPutAsync(client, place, cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch (Exception e) when (S3Errors.IsStorageFailure(e))
        {
            client.Dispose();
            throw S3Errors.From(e, place, "opening the repository");
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private static async Task<RepositoryFormat?> ReadFormatAsync(AmazonS3Client client, S3Place place, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            using var response = await client.GetObjectAsync(place.Bucket, place.Key(FormatObjectName), cancellationToken).ConfigureAwait(false);
            using var reader = new StreamReader(response.ResponseStream, Encoding.UTF8);
            text = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (S3Errors.IsNotFound(e))
        {
            return null;
        }
        RepositoryFormat? format;
        try
        {
            format = JsonConvert.DeserializeObject<RepositoryFormat>(text);
        }
        catch (JsonException e)
        {
            throw new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.InvalidData,
                $"The format object of S3 repository '{place.Location}' does not parse: {e.Message}", place.Location, e);
        }
        if (format is null || format.Kind != RepositoryFormat.RepositoryKind)
        {
            throw new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.InvalidData,
                $"'{place.Location}/{FormatObjectName}' is not a StorageSnapshot repository format object.", place.Location);
        }
        if (format.Version > RepositoryFormat.CurrentVersion)
        {
            throw new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.NotImplemented,
                $"Repository '{place.Location}' has format version {format.Version}; this module reads versions up to {RepositoryFormat.CurrentVersion}.", place.Location)
            { RecommendedAction = "Update the StorageSnapshot module to use this repository." };
        }
        var problems = format.Validate();
        if (problems.Count > 0)
        {
            throw new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.InvalidData,
                $"The format object of repository '{place.Location}' is invalid: {string.Join(" ", problems)}", place.Location);
        }
        return format;
    }

    /// <summary>A repository is only created under an empty prefix: never adopts someone else's objects.</summary>
    private static async Task RequireEmptyAsync(AmazonS3Client client, S3Place place, CancellationToken cancellationToken)
    {
        var listed = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = place.Bucket, Prefix = place.Prefix, MaxKeys = 3 }, cancellationToken).ConfigureAwait(false);
        if (listed.S3Objects is { Count: > 0 } objects)
        {
            throw new ValidationException(ErrorIds.InvalidArgument,
                $"S3 location '{place.Location}' is not empty and holds no repository (it has {string.Join(", ", objects.Select(o => o.Key))}{(listed.IsTruncated == true ? ", ..." : "")}): choose an empty prefix.",
                place.Location);
        }
    }

    private string ChunkKey(string digest) => _place.Key($"chunks/{digest[..2]}/{digest}");

    private string ManifestKey(string copyId) => _place.Key($"manifests/{CheckedId(copyId)}{ManifestExtension}");

    /// <inheritdoc />
    public async Task<long> PutChunkIfAbsentAsync(string digest, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        ChunkDigest.Require(digest);
        var key = ChunkKey(digest);
        try
        {
            if (_conditionalPutUnsupported && await ExistsAsync(key, cancellationToken).ConfigureAwait(false)) return 0;
            // Without compression the chunk's own bytes are the body: no copy of 4 MiB per PUT.
            var (encoded, length) = Format.Compression == ChunkCompression.None ? (null, data.Length) : ChunkCodec.Encode(data.Span, Format.Compression);
            var body = encoded is null ? data : encoded.AsMemory(0, length);
            try
            {
                try
                {
                    await PutAsync(_client, _place, key, body, ifNoneMatch: !_conditionalPutUnsupported, cancellationToken).ConfigureAwait(false);
                }
                catch (AmazonS3Exception e) when (S3Errors.IsNotImplemented(e))
                {
                    // A server without conditional writes: from now on HEAD, then PUT (same bytes if two race).
                    _conditionalPutUnsupported = true;
                    if (await ExistsAsync(key, cancellationToken).ConfigureAwait(false)) return 0;
                    await PutAsync(_client, _place, key, body, ifNoneMatch: false, cancellationToken).ConfigureAwait(false);
                }
                Requests.AddPut(length);
                return length;
            }
            finally
            {
                if (encoded is not null) ArrayPool<byte>.Shared.Return(encoded);
            }
        }
        catch (AmazonS3Exception e) when (S3Errors.IsPreconditionFailed(e))
        {
            // Stored already, by an earlier copy or a racing one: same bytes by definition.
            Requests.AddAlreadyThere();
            return 0;
        }
        catch (Exception e) when (S3Errors.IsStorageFailure(e))
        {
            throw S3Errors.From(e, _place, $"storing chunk {digest}");
        }
    }

    /// <inheritdoc />
    public async Task<bool> ChunkExistsAsync(string digest, CancellationToken cancellationToken)
    {
        ChunkDigest.Require(digest);
        try
        {
            return await ExistsAsync(ChunkKey(digest), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (S3Errors.IsStorageFailure(e))
        {
            throw S3Errors.From(e, _place, $"looking for chunk {digest}");
        }
    }

    private async Task<bool> ExistsAsync(string key, CancellationToken cancellationToken)
    {
        Requests.AddHead();
        try
        {
            await _client.GetObjectMetadataAsync(_place.Bucket, key, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode is not "NoSuchBucket")
        {
            return false;
        }
    }

    /// <inheritdoc />
    public async Task<int> ReadChunkAsync(string digest, Memory<byte> destination, CancellationToken cancellationToken)
    {
        ChunkDigest.Require(digest);
        Requests.AddGet();
        try
        {
            using var response = await _client.GetObjectAsync(_place.Bucket, ChunkKey(digest), cancellationToken).ConfigureAwait(false);
            // The SDK wraps the body of a whole-object GET in a check of its MD5 against the ETag, in managed code (the
            // largest single cost of a restore's CPU here); every chunk read is proved by its SHA-256 anyway (ChunkCheck),
            // so the body is read below that wrapper. (A ranged GET would skip it too, but s3rver answers a range over an
            // empty object with 206 and a Content-Length of 1 it never sends: the read hangs.)
            var body = response.ResponseStream is WrapperStream wrapper ? wrapper.GetNonWrapperBaseStream() : response.ResponseStream;
            var length = response.ContentLength;
            // Compressed or tagged chunks are at most one byte longer than the chunk itself.
            if (length > Format.ChunkSize + 1) throw new ChunkUnreadableException(digest, $"chunk {digest} is {length} bytes long, more than a chunk.");
            if (Format.Compression == ChunkCompression.None && length >= 0)
            {
                // The object is the chunk: read it straight into the caller's buffer.
                if (length > destination.Length) throw new ChunkUnreadableException(digest, $"chunk {digest} is longer than a chunk.");
                // A body cut short returns fewer bytes: the chunk's SHA-256 check then refuses it.
                return await body.ReadAtLeastAsync(destination[..(int)length], (int)length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            }
            var stored = ArrayPool<byte>.Shared.Rent(Format.ChunkSize + 2);
            try
            {
                var read = 0;
                while (true)
                {
                    var n = await body.ReadAsync(stored.AsMemory(read, stored.Length - read), cancellationToken).ConfigureAwait(false);
                    if (n == 0) break;
                    read += n;
                    if (read > Format.ChunkSize + 1) throw new ChunkUnreadableException(digest, $"chunk {digest} is longer than a chunk.");
                }
                if (Format.Compression == ChunkCompression.None)
                {
                    if (read > destination.Length) throw new ChunkUnreadableException(digest, $"chunk {digest} is longer than a chunk.");
                    stored.AsSpan(0, read).CopyTo(destination.Span);
                    return read;
                }
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
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode is not "NoSuchBucket")
        {
            throw new ChunkUnreadableException(digest, $"chunk {digest} is missing.", e);
        }
        catch (Exception e) when (S3Errors.IsStorageFailure(e))
        {
            throw S3Errors.From(e, _place, $"reading chunk {digest}");
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<StoredChunk> ListChunksAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var prefix = _place.Key("chunks/");
        await foreach (var o in ListAsync(prefix, "listing chunks", cancellationToken).ConfigureAwait(false))
        {
            // Only objects named as chunks under the fan-out folder of their own first two digits.
            var relative = o.Key[prefix.Length..].Split('/');
            if (relative.Length == 2 && RepositoryFileNames.IsChunkFile(relative[0], relative[1]))
                yield return new StoredChunk(relative[1], o.Size ?? 0, o.LastModified?.ToUniversalTime() ?? DateTime.UtcNow);
        }
    }

    private async IAsyncEnumerable<S3Object> ListAsync(string prefix, string what, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request { BucketName = _place.Bucket, Prefix = prefix };
        while (true)
        {
            ListObjectsV2Response response;
            try
            {
                response = await _client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (S3Errors.IsStorageFailure(e))
            {
                throw S3Errors.From(e, _place, what);
            }
            foreach (var o in response.S3Objects ?? []) yield return o;
            if (response.IsTruncated != true) yield break;
            request.ContinuationToken = response.NextContinuationToken;
        }
    }

    /// <inheritdoc />
    public async Task DeleteChunkAsync(string digest, CancellationToken cancellationToken)
    {
        ChunkDigest.Require(digest);
        await DeleteObjectAsync(ChunkKey(digest), $"deleting chunk {digest}", cancellationToken).ConfigureAwait(false);
    }

    private async Task DeleteObjectAsync(string key, string what, CancellationToken cancellationToken)
    {
        try
        {
            await _client.DeleteObjectAsync(_place.Bucket, key, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (S3Errors.IsNotFound(e))
        {
            // Gone already.
        }
        catch (Exception e) when (S3Errors.IsStorageFailure(e))
        {
            throw S3Errors.From(e, _place, what);
        }
    }

    /// <inheritdoc />
    public Task<StagedChunkList> StageChunkListAsync(string copyId, long totalBytes, CancellationToken cancellationToken)
    {
        // The list is staged on this host (owner-only, in the temporary folder): it is uploaded as the manifest at commit.
        var path = Path.Combine(Path.GetTempPath(), RepositoryFileNames.NewTemporaryChunkList(CheckedId(copyId)));
        return Task.FromResult(new StagedChunkList(path, Format.ChunkSize, totalBytes));
    }

    /// <inheritdoc />
    public async Task CommitManifestAsync(CopyManifest manifest, StagedChunkList chunks, CancellationToken cancellationToken)
    {
        var key = ManifestKey(manifest.CopyId);
        chunks.Complete();
        if (manifest.ChunkSize != chunks.ChunkSize || manifest.TotalBytes != chunks.TotalBytes || manifest.DataChunks != chunks.DataChunks
            || manifest.ImageSha256 != chunks.ImageSha256 || ManifestCodec.CheckHeader(manifest) is not null)
        {
            throw new InvalidOperationException($"The header of copy {manifest.CopyId} does not describe its chunk list.");
        }
        var temporary = Path.Combine(Path.GetTempPath(), RepositoryFileNames.NewTemporaryManifest());
        try
        {
            if (await ExistsAsync(key, cancellationToken).ConfigureAwait(false))
                throw new ConflictException(ErrorIds.AlreadyExists, $"Copy {manifest.CopyId} is already committed in '{Description}'.", manifest.CopyId, ErrorKind.ResourceExists);

            // Every chunk the list names must be in the bucket before the manifest is: a visible copy never
            // references a missing chunk. Checked with HEADs, a few at a time, while the manifest is encoded.
            var pending = new List<Task<(string Digest, bool Present)>>();
            await using (var file = new FileStream(temporary, Platform.FilePermissions.OwnerOnly.NewFile(FileAccess.Write, bufferSize: 64 << 10)))
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var preamble = ManifestCodec.EncodePreamble(manifest);
                hash.AppendData(preamble);
                file.Write(preamble);
                var line = new byte[ManifestCodec.MaxEntryLineBytes + 1];
                string? previous = null;
                await foreach (var run in chunks.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (run.Digest is { } digest && digest != previous)
                    {
                        previous = digest;
                        pending.Add(CheckPresentAsync(digest, cancellationToken));
                        if (pending.Count >= 16) await DrainAsync(pending, manifest.CopyId).ConfigureAwait(false);
                    }
                    var length = ManifestCodec.EncodeEntry(run, line);
                    hash.AppendData(line, 0, length);
                    file.Write(line, 0, length);
                }
                await DrainAsync(pending, manifest.CopyId).ConfigureAwait(false);
                file.Write(ManifestCodec.EncodeTrailer(hash.GetHashAndReset()));
            }
            var size = new FileInfo(temporary).Length;
            if (size > SinglePutLimit)
                throw new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.WriteError,
                    $"The manifest of copy {manifest.CopyId} is {size} bytes, more than one S3 PUT may write; nothing was committed.", manifest.CopyId);

            // The commit: one conditional PUT. Past this point the copy is committed whatever happens to the caller.
            await using var body = new FileStream(temporary, FileMode.Open, FileAccess.Read, FileShare.Read, 64 << 10);
            var md5 = Convert.ToBase64String(await MD5.HashDataAsync(body, cancellationToken).ConfigureAwait(false));
            body.Position = 0;
            try
            {
                await _client.PutObjectAsync(new PutObjectRequest
                {
                    BucketName = _place.Bucket, Key = key, InputStream = body, AutoCloseStream = false, UseChunkEncoding = false,
                    MD5Digest = md5, IfNoneMatch = _conditionalPutUnsupported ? null : "*", ContentType = "application/octet-stream",
                    DisableDefaultChecksumValidation = true,
                }, CancellationToken.None).ConfigureAwait(false);
            }
            catch (AmazonS3Exception e) when (S3Errors.IsPreconditionFailed(e))
            {
                throw new ConflictException(ErrorIds.AlreadyExists, $"Copy {manifest.CopyId} is already committed in '{Description}'.", manifest.CopyId, ErrorKind.ResourceExists);
            }
        }
        catch (Exception e) when (S3Errors.IsStorageFailure(e))
        {
            throw S3Errors.From(e, _place, $"committing copy {manifest.CopyId}");
        }
        finally
        {
            StrayFiles.TryDelete(temporary);
        }
    }

    private async Task<(string Digest, bool Present)> CheckPresentAsync(string digest, CancellationToken cancellationToken) =>
        (digest, await ExistsAsync(ChunkKey(digest), cancellationToken).ConfigureAwait(false));

    private async Task DrainAsync(List<Task<(string Digest, bool Present)>> pending, string copyId)
    {
        foreach (var (digest, present) in await Task.WhenAll(pending).ConfigureAwait(false))
        {
            if (!present)
            {
                throw new StorageSnapshotException(ErrorIds.SecondaryStorageFailed, ErrorKind.InvalidOperation,
                    $"Cannot commit copy {copyId}: chunk {digest} is not in '{Description}'. Nothing was committed; run the copy again.", copyId);
            }
        }
        pending.Clear();
    }

    /// <inheritdoc />
    public async Task<CopyManifest> ReadManifestAsync(string copyId, CancellationToken cancellationToken)
    {
        await using var reader = await OpenManifestAsync(copyId, cancellationToken).ConfigureAwait(false);
        while (await reader.NextAsync(cancellationToken).ConfigureAwait(false) is not null) { }
        return CheckedManifest(reader, copyId);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChunkRun> ReadChunkListAsync(string copyId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var reader = await OpenManifestAsync(copyId, cancellationToken).ConfigureAwait(false);
        while (await reader.NextAsync(cancellationToken).ConfigureAwait(false) is { } run) yield return run;
        CheckedManifest(reader, copyId);
    }

    /// <summary>
    /// Downloads the manifest to a temporary file on this host (deleted when closed) and opens the reader over it:
    /// the reader needs to seek, and a long restore must not hold a GET open for its whole duration.
    /// </summary>
    private async Task<ManifestFileReader> OpenManifestAsync(string copyId, CancellationToken cancellationToken)
    {
        var key = ManifestKey(copyId);
        var path = Path.Combine(Path.GetTempPath(), RepositoryFileNames.NewTemporaryManifest());
        FileStream? file = null;
        try
        {
            file = new FileStream(path, Platform.FilePermissions.OwnerOnly.NewFile(FileAccess.ReadWrite, bufferSize: 64 << 10, options: FileOptions.DeleteOnClose));
            using (var response = await _client.GetObjectAsync(_place.Bucket, key, cancellationToken).ConfigureAwait(false))
            {
                await response.ResponseStream.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            }
            file.Position = 0;
            var opened = file;
            file = null;
            return await ManifestFileReader.OpenAsync(opened, copyId, $"{Description}/manifests/{copyId}{ManifestExtension}", cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode is not "NoSuchBucket")
        {
            throw new ObjectNotFoundException(ErrorIds.CopyNotFound, $"Repository '{Description}' has no copy {copyId}.", copyId);
        }
        catch (Exception e) when (S3Errors.IsStorageFailure(e))
        {
            throw S3Errors.From(e, _place, $"reading the manifest of copy {copyId}");
        }
        finally
        {
            if (file is not null) await file.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static CopyManifest CheckedManifest(ManifestFileReader reader, string copyId)
    {
        var manifest = reader.Manifest;
        if (!string.Equals(manifest.CopyId, copyId, StringComparison.Ordinal))
        {
            throw new CopyCorruptException($"The manifest of copy {copyId} describes copy {manifest.CopyId}.",
                new[] { $"manifest: names copy {manifest.CopyId}" }, copyId);
        }
        return manifest;
    }

    /// <inheritdoc />
    public async Task<bool> ManifestExistsAsync(string copyId, CancellationToken cancellationToken)
    {
        try
        {
            return await ExistsAsync(ManifestKey(copyId), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (S3Errors.IsStorageFailure(e))
        {
            throw S3Errors.From(e, _place, $"looking for the manifest of copy {copyId}");
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> ListManifestsAsync(CancellationToken cancellationToken)
    {
        var prefix = _place.Key("manifests/");
        var ids = new List<string>();
        await foreach (var o in ListAsync(prefix, "listing copies", cancellationToken).ConfigureAwait(false))
        {
            var name = o.Key[prefix.Length..];
            if (!name.EndsWith(ManifestExtension, StringComparison.Ordinal)) continue;
            var id = name[..^ManifestExtension.Length];
            if (IsValidId(id)) ids.Add(id);
        }
        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    /// <inheritdoc />
    public Task DeleteManifestAsync(string copyId, CancellationToken cancellationToken) =>
        DeleteObjectAsync(ManifestKey(copyId), $"deleting copy {copyId}", cancellationToken);

    /// <inheritdoc />
    public async Task<IAsyncDisposable> LockRepositoryAsync(bool exclusive, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            // Copies ("copy") exclude only collections; a collection ("collect") excludes copies and other collections,
            // not the per-snapshot copy-key locks (a copy's removal holds its key while it collects).
            return exclusive
                ? await _leases.AcquireAsync("collect", scope => scope is "copy" or "collect", "collect chunks", timeout, cancellationToken).ConfigureAwait(false)
                : await _leases.AcquireAsync("copy", scope => scope == "collect", "copy", timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (S3Errors.IsStorageFailure(e))
        {
            throw S3Errors.From(e, _place, exclusive ? "announcing a chunk collection" : "announcing a copy");
        }
    }

    /// <inheritdoc />
    public async Task<IAsyncDisposable> LockCopyKeyAsync(string copyKey, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var scope = $"key-{CheckedId(copyKey)}";
        try
        {
            return await _leases.AcquireAsync(scope, other => other == scope, $"copy {copyKey}", timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (S3Errors.IsStorageFailure(e))
        {
            throw S3Errors.From(e, _place, $"locking copy {copyKey}");
        }
    }

    /// <inheritdoc />
    public async Task<int> DeleteAbandonedWritesAsync(DateTime olderThanUtc, CancellationToken cancellationToken)
    {
        try
        {
            var count = await _leases.DeleteExpiredAsync(olderThanUtc, cancellationToken).ConfigureAwait(false);
            // Nothing here uses multipart uploads; one left under the prefix (another tool's, or a future manifest's)
            // is only aborted when it is older than the grace period.
            var uploads = await _client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = _place.Bucket, Prefix = _place.Prefix }, cancellationToken).ConfigureAwait(false);
            foreach (var upload in uploads.MultipartUploads ?? [])
            {
                if ((upload.Initiated?.ToUniversalTime() ?? DateTime.MaxValue) >= olderThanUtc) continue;
                await _client.AbortMultipartUploadAsync(_place.Bucket, upload.Key, upload.UploadId, cancellationToken).ConfigureAwait(false);
                count++;
            }
            return count;
        }
        catch (Exception e) when (S3Errors.IsStorageFailure(e))
        {
            throw S3Errors.From(e, _place, "deleting abandoned intents and uploads");
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Whether the server honours <c>If-None-Match: *</c> on PUT. Some servers (s3rver) answer 200 and overwrite: the
    /// store would then re-upload every chunk and could overwrite a manifest, so such servers get HEAD, then PUT.
    /// The probe writes the format object's own bytes back with the header: a server that honours it answers 412 and
    /// changes nothing; one that ignores it rewrites identical bytes. No object of its own is left in the bucket.
    /// </summary>
    private static async Task<bool> HonoursConditionalPutAsync(AmazonS3Client client, S3Place place, CancellationToken cancellationToken)
    {
        var key = place.Key(FormatObjectName);
        byte[] body;
        using (var response = await client.GetObjectAsync(place.Bucket, key, cancellationToken).ConfigureAwait(false))
        using (var buffer = new MemoryStream())
        {
            await response.ResponseStream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            body = buffer.ToArray();
        }
        try
        {
            await PutAsync(client, place, key, body, ifNoneMatch: true, cancellationToken).ConfigureAwait(false);
            return false;
        }
        catch (AmazonS3Exception e) when (S3Errors.IsPreconditionFailed(e))
        {
            return true;
        }
        catch (AmazonS3Exception e) when (S3Errors.IsNotImplemented(e))
        {
            return false;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.Forbidden)
        {
            // A key that may read but not write (restore, verify): it never PUTs, so the answer does not matter here.
            return true;
        }
    }

    /// <summary>
    /// One PUT of <paramref name="body"/> with its Content-MD5, which the server checks (a mismatch is 400 BadDigest on
    /// the RADOS Gateway — measured). The SDK's own check of the body against the returned ETag is switched off: it
    /// repeats that MD5 in managed code (a sixth of a copy's CPU here). Nothing else can replace Content-MD5 on the
    /// servers this runs on: the RADOS Gateway of Ceph 16 stores an object whose x-amz-checksum-sha256 does not match
    /// its body (measured), and the SDK always hashes a plain-HTTP body for the signature itself.
    /// </summary>
    private static async Task PutAsync(AmazonS3Client client, S3Place place, string key, ReadOnlyMemory<byte> body, bool ifNoneMatch, CancellationToken cancellationToken)
    {
        // The SDK retries by rewinding a seekable stream: a read-only MemoryStream over the caller's bytes, not a copy.
        var segment = MemoryMarshal.TryGetArray(body, out var array) ? array : new ArraySegment<byte>(body.ToArray());
        using var stream = new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false);
        await client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = place.Bucket, Key = key, InputStream = stream, AutoCloseStream = false, UseChunkEncoding = false,
            MD5Digest = Convert.ToBase64String(MD5.HashData(body.Span)), IfNoneMatch = ifNoneMatch ? "*" : null,
            ContentType = "application/octet-stream", DisableDefaultChecksumValidation = true,
        }, cancellationToken).ConfigureAwait(false);
    }

    private static bool IsValidId(string id) => id.Length is > 0 and <= 128 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static string CheckedId(string id) =>
        IsValidId(id) ? id : throw new ValidationException(ErrorIds.InvalidArgument, $"'{id}' is not a valid copy or snapshot id (letters, digits, '-' and '_' only).", id);
}

/// <summary>Counts of the requests a store made, by what they were (thread-safe).</summary>
internal sealed class S3RequestCounts
{
    private long _puts, _bytesPut, _alreadyThere, _heads, _gets;

    /// <summary>Chunk PUTs that stored a new object.</summary>
    public long Puts => Interlocked.Read(ref _puts);

    /// <summary>Bytes those PUTs stored.</summary>
    public long BytesPut => Interlocked.Read(ref _bytesPut);

    /// <summary>Chunk PUTs answered 412: the chunk was there.</summary>
    public long AlreadyThere => Interlocked.Read(ref _alreadyThere);

    /// <summary>HEAD requests.</summary>
    public long Heads => Interlocked.Read(ref _heads);

    /// <summary>Chunk GETs.</summary>
    public long Gets => Interlocked.Read(ref _gets);

    internal void AddPut(long bytes)
    {
        Interlocked.Increment(ref _puts);
        Interlocked.Add(ref _bytesPut, bytes);
    }

    internal void AddAlreadyThere() => Interlocked.Increment(ref _alreadyThere);

    internal void AddHead() => Interlocked.Increment(ref _heads);

    internal void AddGet() => Interlocked.Increment(ref _gets);
}
