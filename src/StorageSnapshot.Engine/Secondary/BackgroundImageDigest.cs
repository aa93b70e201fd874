using System.Threading.Channels;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Secondary;

/// <summary>
/// Computes the image digest of a streamed chunk list on its own task, so that hashing 32 bytes per chunk of a
/// long zero run (about 16 million for 64 TiB) overlaps the reads and writes of the stored chunks instead of
/// holding them up. Runs are queued in order through a bounded channel.
/// </summary>
internal sealed class BackgroundImageDigest
{
    private readonly Channel<ChunkRun> _runs = Channel.CreateBounded<ChunkRun>(new BoundedChannelOptions(4096) { SingleReader = true, SingleWriter = true });
    private readonly Task<string> _digest;

    public BackgroundImageDigest(int chunkSize, long totalBytes, CancellationToken cancellationToken)
    {
        _digest = Task.Run(async () =>
        {
            using var image = new ImageDigestBuilder(chunkSize, totalBytes);
            await foreach (var run in _runs.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false)) image.Add(run);
            return image.Complete();
        }, cancellationToken);
    }

    /// <summary>Queues the next run.</summary>
    public ValueTask AddAsync(ChunkRun run, CancellationToken cancellationToken) => _runs.Writer.WriteAsync(run, cancellationToken);

    /// <summary>The digest of every run queued.</summary>
    public Task<string> CompleteAsync()
    {
        _runs.Writer.TryComplete();
        return _digest;
    }

    /// <summary>Stops the task after a failure elsewhere (its token is cancelled too).</summary>
    public void Abandon() => _runs.Writer.TryComplete();
}
