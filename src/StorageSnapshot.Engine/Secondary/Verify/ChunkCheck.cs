using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Secondary;

/// <summary>Reading one stored chunk and proving it is what the manifest says.</summary>
internal static class ChunkCheck
{
    /// <summary>Reads the chunk into <paramref name="buffer"/>; returns null when it matches, else what is wrong.</summary>
    public static async Task<string?> ReadAndCheckAsync(IChunkStore store, ManifestChunk chunk, byte[] buffer, CancellationToken cancellationToken)
    {
        int length;
        try
        {
            length = await store.ReadChunkAsync(chunk.Sha256, buffer, cancellationToken);
        }
        catch (ChunkUnreadableException e)
        {
            return e.Message;
        }
        if (length != chunk.Length) return $"chunk {chunk.Sha256} is {length} bytes long, expected {chunk.Length}.";
        var actual = ChunkDigest.Of(buffer.AsSpan(0, length));
        return actual == chunk.Sha256 ? null : $"chunk {chunk.Sha256} has been altered (its content hashes to {actual}).";
    }
}
