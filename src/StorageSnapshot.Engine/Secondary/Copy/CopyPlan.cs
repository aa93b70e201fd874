using System.Runtime.CompilerServices;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Secondary.Copy;

/// <summary>What a copy does with the chunks at one place of the image, in image order.</summary>
internal enum PlanStepKind
{
    /// <summary>A run of chunks known to be zeros without reading: holes, or zero chunks unchanged since the base.</summary>
    Zeros,

    /// <summary>A chunk unchanged since the base copy: its digest comes from the base manifest.</summary>
    Known,

    /// <summary>A chunk to read, hash and store.</summary>
    Read,
}

/// <summary>One step of a copy's plan: <see cref="Count"/> chunks from <see cref="Index"/> (1 unless Zeros).</summary>
internal readonly record struct PlanStep(PlanStepKind Kind, long Index, long Count, string? Digest);

/// <summary>
/// Decides, chunk by chunk in image order, what a copy reads — as a stream of steps computed from interval lists
/// (allocated ranges, changed ranges) and the base copy's streamed chunk list, so that it costs as many steps as
/// the image has stored chunks and holes, never one per chunk of the volume: the 16 million chunks of a 64 TiB
/// volume holding 1 GiB are a few hundred steps.
/// <list type="bullet">
/// <item>Incrementally (a base and changed ranges), a chunk is unchanged when it touches no changed range and has
/// the same length in both images: it is taken from the base (a stored chunk, or part of a zero run).</item>
/// <item>Otherwise a chunk lying wholly in a hole of the snapshot is zeros; every other chunk is read.</item>
/// </list>
/// </summary>
internal sealed class CopyPlan
{
    private readonly ChunkIntervals _allocated;
    private readonly ChunkIntervals? _changed;

    /// <param name="allocated">Chunks the snapshot may hold data in (all chunks when the device cannot tell).</param>
    /// <param name="baseManifest">The base copy's header, when there is one.</param>
    /// <param name="changed">Chunks touching a changed range since the base, when the copy is incremental.</param>
    public CopyPlan(int chunkSize, long totalBytes, ChunkIntervals allocated, CopyManifest? baseManifest, ChunkIntervals? changed)
    {
        ChunkSize = chunkSize;
        TotalBytes = totalBytes;
        ChunkCount = (totalBytes + chunkSize - 1) / chunkSize;
        _allocated = allocated;
        _changed = changed;
        Base = baseManifest;
        MatchingChunks = baseManifest is null ? 0 : MatchingChunkCount(chunkSize, totalBytes, baseManifest.TotalBytes);
    }

    public int ChunkSize { get; }
    public long TotalBytes { get; }
    public long ChunkCount { get; }
    public CopyManifest? Base { get; }

    /// <summary>
    /// Chunks 0 … MatchingChunks − 1 have the same length in this image and the base's (the rest are beyond the
    /// base, or its last, shorter chunk): only those can be unchanged.
    /// </summary>
    public long MatchingChunks { get; }

    /// <summary>True when chunks come from the base where nothing changed.</summary>
    public bool Incremental => _changed is not null && Base is not null;

    public int LengthOf(long index) => (int)Math.Min(ChunkSize, TotalBytes - index * ChunkSize);

    /// <summary>Bytes of chunks [first, end).</summary>
    public long BytesOf(long first, long end) => Math.Min(end * ChunkSize, TotalBytes) - first * ChunkSize;

    /// <summary>The same plan, but reading everything that is not a hole (the change source failed its check).</summary>
    public CopyPlan WithoutChangedRanges() => new(ChunkSize, TotalBytes, _allocated, Base, changed: null);

    /// <summary>Chunks with the same length in two images of these sizes, from the start.</summary>
    public static long MatchingChunkCount(int chunkSize, long totalBytes, long baseTotalBytes) =>
        totalBytes == baseTotalBytes ? (totalBytes + chunkSize - 1) / chunkSize : Math.Min(totalBytes, baseTotalBytes) / chunkSize;

    /// <summary>The steps, in image order. <paramref name="baseList"/>: the base's chunk list, when incremental.</summary>
    public async IAsyncEnumerable<PlanStep> StepsAsync(ChunkListCursor? baseList, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long i = 0;
        while (i < ChunkCount)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Incremental && IsUnchanged(i))
            {
                var end = Math.Min(MatchingChunks, _changed!.NextIn(i));
                while (i < end)
                {
                    var run = await BaseRunAsync(baseList!, i).ConfigureAwait(false);
                    if (run.IsZero)
                    {
                        var n = Math.Min(run.EndIndex, end) - i;
                        yield return new PlanStep(PlanStepKind.Zeros, i, n, null);
                        i += n;
                    }
                    else
                    {
                        yield return new PlanStep(PlanStepKind.Known, i, 1, run.Digest);
                        i++;
                    }
                }
            }
            else
            {
                var end = !Incremental || i >= MatchingChunks ? ChunkCount : _changed!.NextOut(i);
                while (i < end)
                {
                    if (_allocated.Contains(i))
                    {
                        yield return new PlanStep(PlanStepKind.Read, i, 1, null);
                        i++;
                    }
                    else
                    {
                        var n = Math.Min(end, _allocated.NextIn(i)) - i;
                        yield return new PlanStep(PlanStepKind.Zeros, i, n, null);
                        i += n;
                    }
                }
            }
        }
    }

    /// <summary>
    /// The chunks an incremental copy takes from the base that reading could disprove, with the digest the base
    /// says they have: every stored chunk of the base, and the zero chunks where the snapshot holds data. (A zero
    /// chunk in a hole of the snapshot is zeros either way.) As many as the data, not the volume.
    /// </summary>
    public async IAsyncEnumerable<(long Index, string Digest)> CheckableUnchangedChunksAsync(ChunkListCursor baseList, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!Incremental) yield break;
        long i = 0;
        while (i < MatchingChunks)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!IsUnchanged(i))
            {
                i = _changed!.NextOut(i);
                continue;
            }
            var end = Math.Min(MatchingChunks, _changed!.NextIn(i));
            while (i < end)
            {
                var run = await BaseRunAsync(baseList, i).ConfigureAwait(false);
                if (!run.IsZero)
                {
                    yield return (i, run.Digest!);
                    i++;
                    continue;
                }
                var runEnd = Math.Min(run.EndIndex, end);
                for (var j = _allocated.NextIn(i); j < runEnd; j = _allocated.NextIn(j + 1))
                {
                    yield return (j, ChunkDigest.OfZeros(LengthOf(j)));
                }
                i = runEnd;
            }
        }
    }

    private bool IsUnchanged(long index) => index < MatchingChunks && !_changed!.Contains(index);

    private static async ValueTask<ChunkRun> BaseRunAsync(ChunkListCursor baseList, long index) =>
        await baseList.AtAsync(index).ConfigureAwait(false)
        ?? throw new InvalidOperationException($"The base copy's chunk list has no chunk {index}.");
}
