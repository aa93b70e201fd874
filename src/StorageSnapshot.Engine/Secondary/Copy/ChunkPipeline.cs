using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Secondary.Copy;

/// <summary>One chunk read from the source and hashed. Its buffer belongs to the pipeline.</summary>
internal sealed class HashedChunk
{
    public required long Index { get; init; }
    public required Memory<byte> Buffer { get; init; }
    public required int Length { get; init; }
    public string Digest { get; set; } = "";
    public bool IsZero { get; set; }
    public ReadOnlyMemory<byte> Data => Buffer[..Length];
}

/// <summary>
/// The bounded pipeline under copies and sample checks: one reader → N hashers → M consumers, joined by bounded
/// channels. At most 3 × parallelism chunk buffers exist at once (a semaphore is taken before a buffer is
/// rented and released after the consumer is done with it), so memory does not depend on the volume's size.
/// The first failure in any stage cancels the others and is what the caller sees.
/// </summary>
internal static class ChunkPipeline
{
    /// <summary>Runs the pipeline over a list of chunk indices.</summary>
    public static Task RunAsync(
        IBlockReader source,
        IReadOnlyList<long> chunkIndices,
        int chunkSize,
        int parallelism,
        int consumers,
        Func<HashedChunk, CancellationToken, ValueTask> consume,
        CancellationToken cancellationToken) =>
        chunkIndices.Count == 0
            ? Task.CompletedTask
            : RunAsync(source, AsAsync(chunkIndices), chunkSize, parallelism, consumers, consume, cancellationToken);

    private static async IAsyncEnumerable<long> AsAsync(IReadOnlyList<long> indices)
    {
        await Task.CompletedTask;
        foreach (var index in indices) yield return index;
    }

    /// <summary>
    /// Runs the pipeline over chunk indices produced as it goes (a copy's plan): the reader takes the next index
    /// only when it has a buffer for it, so the producer is paced by the pipeline.
    /// </summary>
    public static async Task RunAsync(
        IBlockReader source,
        IAsyncEnumerable<long> chunkIndices,
        int chunkSize,
        int parallelism,
        int consumers,
        Func<HashedChunk, CancellationToken, ValueTask> consume,
        CancellationToken cancellationToken)
    {
        var buffersInFlight = 3 * parallelism;
        // Page-aligned, so that a store on a local filesystem can write the chunks straight to the device.
        var pool = AlignedChunkBuffers.Shared;
        using var slots = new SemaphoreSlim(buffersInFlight);
        using var failure = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = failure.Token;
        var toHash = Channel.CreateBounded<HashedChunk>(new BoundedChannelOptions(parallelism) { SingleWriter = true });
        var toConsume = Channel.CreateBounded<HashedChunk>(new BoundedChannelOptions(parallelism));
        var length = source.Length;

        async Task Stage(Func<Task> body)
        {
            try
            {
                await body();
            }
            catch
            {
                failure.Cancel();
                throw;
            }
        }

        var reader = Task.Run(() => Stage(async () =>
        {
            try
            {
                await foreach (var index in chunkIndices.WithCancellation(token))
                {
                    await slots.WaitAsync(token);
                    var buffer = pool.Rent(chunkSize);
                    var offset = index * chunkSize;
                    var chunkLength = (int)Math.Min(chunkSize, length - offset);
                    await ReadChunkAsync(source, offset, buffer[..chunkLength], token);
                    await toHash.Writer.WriteAsync(new HashedChunk { Index = index, Buffer = buffer, Length = chunkLength }, token);
                }
            }
            finally
            {
                toHash.Writer.TryComplete();
            }
        }), token);

        var hashers = Enumerable.Range(0, parallelism).Select(_ => Task.Run(() => Stage(async () =>
        {
            await foreach (var chunk in toHash.Reader.ReadAllAsync(token))
            {
                Hash(chunk);
                await toConsume.Writer.WriteAsync(chunk, token);
            }
        }), token)).ToArray();
        var hashingDone = Task.Run(async () =>
        {
            try
            {
                await Task.WhenAll(hashers);
            }
            finally
            {
                toConsume.Writer.TryComplete();
            }
        });

        var consumerTasks = Enumerable.Range(0, consumers).Select(_ => Task.Run(() => Stage(async () =>
        {
            await foreach (var chunk in toConsume.Reader.ReadAllAsync(token))
            {
                try
                {
                    await consume(chunk, token);
                }
                finally
                {
                    pool.Return(chunk.Buffer);
                    slots.Release();
                }
            }
        }), token)).ToArray();

        var all = new List<Task> { reader, hashingDone };
        all.AddRange(hashers);
        all.AddRange(consumerTasks);
        try
        {
            await Task.WhenAll(all);
        }
        catch
        {
            RethrowRootCause(all, cancellationToken);
            throw;
        }
    }

    private static void Hash(HashedChunk chunk)
    {
        var data = chunk.Data.Span;
        chunk.IsZero = ChunkDigest.IsAllZero(data);
        chunk.Digest = chunk.IsZero ? ChunkDigest.OfZeros(chunk.Length) : ChunkDigest.Of(data);
    }

    /// <summary>Reads a whole chunk; bytes past the end of the source read as zeros.</summary>
    private static async Task ReadChunkAsync(IBlockReader source, long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int total;
        try
        {
            total = await FullReads.ReadAsync(source, offset, buffer, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException and not StorageSnapshotException)
        {
            throw new DriverFailedException($"Reading the snapshot at offset {offset} failed: {e.Message}", null, e);
        }
        buffer.Span[total..].Clear();
    }

    /// <summary>
    /// Throws the failure that started it all: the first exception that is not the cancellation it caused in
    /// the other stages (or the caller's own cancellation when that is all there is).
    /// </summary>
    internal static void RethrowRootCause(IEnumerable<Task> tasks, CancellationToken callerToken)
    {
        var exceptions = tasks.Where(t => t.IsFaulted).SelectMany(t => t.Exception!.InnerExceptions).ToList();
        var root = exceptions.FirstOrDefault(e => e is not OperationCanceledException);
        if (root is not null) ExceptionDispatchInfo.Capture(root).Throw();
        callerToken.ThrowIfCancellationRequested();
    }
}
