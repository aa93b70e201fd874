using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Secondary;

/// <summary>Reading one stored chunk and proving it is what the manifest says.</summary>
internal static class ChunkCheck
{
    /// <summary>
    /// Reads chunk <paramref name="digest"/> into <paramref name="buffer"/>; returns null when it is
    /// <paramref name="length"/> bytes hashing to its digest, else what is wrong.
    /// </summary>
    public static async Task<string?> ReadAndCheckAsync(IChunkStore store, string digest, int length, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int read;
        try
        {
            read = await store.ReadChunkAsync(digest, buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (ChunkUnreadableException e)
        {
            return e.Message;
        }
        if (read != length) return $"chunk {digest} is {read} bytes long, expected {length}.";
        var actual = ChunkDigest.Of(buffer.Span[..read]);
        return actual == digest ? null : $"chunk {digest} has been altered (its content hashes to {actual}).";
    }
}
