using System.Security.Cryptography;

namespace StorageSnapshot.Engine.Secondary.Repository;

/// <summary>
/// Computes the image digest (<see cref="ChunkDigest.OfImage"/>: SHA-256 over the 32-byte digests of every chunk
/// in order) from a stream of <see cref="ChunkRun"/>s, in constant memory. A run of zero chunks contributes the
/// digest of zeros once per chunk — the only cost of a copy that grows with the volume's size rather than its
/// data: 32 bytes hashed per chunk, 0.4–0.8 s of one core for the 16.8 million chunks of 64 TiB in 4 MiB chunks — kept so that
/// the digest means the same in every manifest version and can be checked outside the module.
/// </summary>
internal sealed class ImageDigestBuilder : IDisposable
{
    private const int ZeroBlockDigests = 256;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly int _chunkSize;
    private readonly long _totalBytes;
    private readonly byte[] _zeroBlock;
    private readonly long _fullChunks;
    private readonly long _chunkCount;
    private long _next;

    /// <summary>Starts the digest of an image of <paramref name="totalBytes"/> in <paramref name="chunkSize"/> chunks.</summary>
    public ImageDigestBuilder(int chunkSize, long totalBytes)
    {
        _chunkSize = chunkSize;
        _totalBytes = totalBytes;
        _fullChunks = totalBytes / chunkSize;
        _chunkCount = (totalBytes + chunkSize - 1) / chunkSize;
        // Many copies of the digest of a full zero chunk, hashed in one call: runs cost SHA-256 throughput only.
        var zero = Convert.FromHexString(ChunkDigest.OfZeros(chunkSize));
        _zeroBlock = new byte[zero.Length * ZeroBlockDigests];
        for (var i = 0; i < ZeroBlockDigests; i++) zero.CopyTo(_zeroBlock, i * zero.Length);
    }

    /// <summary>Chunks added so far.</summary>
    public long Chunks => _next;

    /// <summary>Adds the next run; runs must follow each other without gaps.</summary>
    public void Add(ChunkRun run)
    {
        if (run.FirstIndex != _next) throw new InvalidOperationException($"Chunk run at {run.FirstIndex} does not follow chunk {_next - 1}.");
        if (run.EndIndex > _chunkCount) throw new InvalidOperationException($"Chunk run at {run.FirstIndex} goes past the image's {_chunkCount} chunks.");
        if (run.Digest is not null)
        {
            _hash.AppendData(Convert.FromHexString(run.Digest));
        }
        else
        {
            // Full zero chunks in blocks, then the last chunk of the image if it is in the run and shorter.
            var full = Math.Max(0, Math.Min(run.EndIndex, _fullChunks) - run.FirstIndex);
            for (var left = full; left > 0;)
            {
                var n = (int)Math.Min(left, ZeroBlockDigests);
                _hash.AppendData(_zeroBlock.AsSpan(0, n * SHA256.HashSizeInBytes));
                left -= n;
            }
            for (var i = run.FirstIndex + full; i < run.EndIndex; i++)
            {
                _hash.AppendData(Convert.FromHexString(ChunkDigest.OfZeros(LengthOf(i))));
            }
        }
        _next = run.EndIndex;
    }

    /// <summary>The digest of everything added (lowercase hex).</summary>
    public string Complete() => Convert.ToHexString(_hash.GetHashAndReset()).ToLowerInvariant();

    /// <inheritdoc />
    public void Dispose() => _hash.Dispose();

    private int LengthOf(long index) => (int)Math.Min(_chunkSize, _totalBytes - index * _chunkSize);
}
