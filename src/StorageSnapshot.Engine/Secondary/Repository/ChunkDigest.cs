using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace StorageSnapshot.Engine.Secondary.Repository;

/// <summary>Chunk and image digests: lowercase hex SHA-256.</summary>
internal static class ChunkDigest
{
    private static readonly ConcurrentDictionary<int, string> ZeroDigests = new();

    /// <summary>The digest of <paramref name="data"/>.</summary>
    public static string Of(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(data, hash);
        return Convert.ToHexString(hash).ToLowerInvariant();
    }

    /// <summary>The digest of <paramref name="length"/> zero bytes (computed once per length).</summary>
    public static string OfZeros(int length) =>
        ZeroDigests.GetOrAdd(length, static n => Of(new byte[n]));

    /// <summary>True when <paramref name="data"/> is all zeros.</summary>
    public static bool IsAllZero(ReadOnlySpan<byte> data) => data.IndexOfAnyExcept((byte)0) < 0;

    /// <summary>True when <paramref name="digest"/> is 64 lowercase hex digits.</summary>
    public static bool IsValid(string? digest) =>
        digest is { Length: 64 } && digest.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    /// <summary>Refuses a string that is not a chunk digest (a store's argument check: digests name files and objects).</summary>
    public static void Require(string digest)
    {
        if (!IsValid(digest)) throw new ArgumentException($"'{digest}' is not a chunk digest.", nameof(digest));
    }

    /// <summary>The image digest of a chunk list: SHA-256 over the chunks' binary digests in order.</summary>
    public static string OfImage(IEnumerable<string> chunkDigests)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var digest in chunkDigests) hash.AppendData(Convert.FromHexString(digest));
        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }
}
