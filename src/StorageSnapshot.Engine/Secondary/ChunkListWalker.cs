using System.Runtime.CompilerServices;
using StorageSnapshot.Engine.Secondary.Copy;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Secondary;

/// <summary>
/// The one parallel walk over a committed copy, shared by restore and verification: the chunk list is streamed
/// in image order, never held, and folded into the image digest (which proves it is the list the copy
/// committed); each run becomes the caller's work items, done by <c>parallelism</c> workers at once
/// (<see cref="Parallel.ForEachAsync{TSource}(IAsyncEnumerable{TSource}, ParallelOptions, Func{TSource, CancellationToken, ValueTask})"/>,
/// which pulls the next item only when a worker is free, so memory stays bounded), each lent a chunk-sized
/// buffer. Problems of the copy as a whole — a list that does not match the image digest, a manifest that
/// changed since it was read — are added to the mismatch list; the first exception of a worker stops the walk
/// and is what the caller sees.
/// </summary>
internal static class ChunkListWalker
{
    /// <summary>Walks <paramref name="manifest"/>'s chunk list, doing <paramref name="work"/> on the items <paramref name="itemsOf"/> makes of each run.</summary>
    public static async Task WalkAsync<TItem>(IChunkStore store, CopyManifest manifest, int parallelism, MismatchList mismatches,
        Func<ChunkRun, IEnumerable<TItem>> itemsOf, Func<TItem, Memory<byte>, CancellationToken, ValueTask> work, CancellationToken cancellationToken)
    {
        BlockingIoThreads.Reserve(parallelism + 1);
        // Page-aligned, so that a restore can write the chunks straight to the device (DirectIo).
        var buffers = AlignedChunkBuffers.Shared;
        var walk = Parallel.ForEachAsync(ItemsAsync(store, manifest, mismatches, itemsOf, cancellationToken),
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (item, token) =>
            {
                var buffer = buffers.Rent(manifest.ChunkSize);
                try
                {
                    await work(item, buffer, token).ConfigureAwait(false);
                }
                finally
                {
                    buffers.Return(buffer);
                }
            });
        try
        {
            await walk.ConfigureAwait(false);
        }
        catch
        {
            // The other workers stop on the cancellation the first failure caused: report that failure, not theirs.
            ChunkPipeline.RethrowRootCause([walk], cancellationToken);
            throw;
        }
    }

    private static async IAsyncEnumerable<TItem> ItemsAsync<TItem>(IChunkStore store, CopyManifest manifest, MismatchList mismatches,
        Func<ChunkRun, IEnumerable<TItem>> itemsOf, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var image = new BackgroundImageDigest(manifest.ChunkSize, manifest.TotalBytes, cancellationToken);
        var listed = false;
        try
        {
            var runs = store.ReadChunkListAsync(manifest.CopyId, cancellationToken).GetAsyncEnumerator(cancellationToken);
            await using (runs.ConfigureAwait(false))
            {
                while (true)
                {
                    ChunkRun run;
                    try
                    {
                        if (!await runs.MoveNextAsync().ConfigureAwait(false)) break;
                        run = runs.Current;
                    }
                    catch (CopyCorruptException e)
                    {
                        // The manifest changed since it was read whole: reported with the rest.
                        foreach (var problem in e.Mismatches) mismatches.Add(-1, problem);
                        yield break;
                    }
                    await image.AddAsync(run, cancellationToken).ConfigureAwait(false);
                    foreach (var item in itemsOf(run)) yield return item;
                }
            }
            listed = true;
            if (await image.CompleteAsync().ConfigureAwait(false) != manifest.ImageSha256) mismatches.Add(-1, "manifest: the chunk list does not match the image digest");
        }
        finally
        {
            if (!listed) image.Abandon();
        }
    }
}
