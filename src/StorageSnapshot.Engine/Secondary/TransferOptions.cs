namespace StorageSnapshot.Engine.Secondary;

/// <summary>Tuning shared by copy, restore and verify.</summary>
internal sealed record TransferOptions
{
    /// <summary>Hashing threads (and the unit of the memory bound): the processor count by default.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// How long a copy waits for another copy of the same snapshot into the same repository (or for chunk
    /// collection) to finish. Infinite by default: the waiting copy then finds the finished copy and returns it.
    /// </summary>
    public TimeSpan LockTimeout { get; init; } = Timeout.InfiniteTimeSpan;

    /// <summary>
    /// Share of the chunks claimed unchanged that an incremental copy re-reads to check the change source — of
    /// those reading could disprove: stored chunks of the base, and its zero chunks where the snapshot holds data.
    /// </summary>
    public double VerificationSampleFraction { get; init; } = 0.001;

    /// <summary>Fewest chunks claimed unchanged that are re-read (all of them when there are fewer).</summary>
    public int VerificationSampleMinimum { get; init; } = 16;

    /// <summary>
    /// Chunks a restore or verify fetches at once (each holds one chunk buffer): the storage needs a queue of
    /// reads to reach its throughput, more than there are cores to hash (measured: 4 in flight gave 0.76× the
    /// speed of cp + sync on a 1 GiB restore, 8 gave 0.91×).
    /// </summary>
    internal int ChunkReadsInFlight => Math.Max(8, 2 * EffectiveParallelism);

    /// <summary>
    /// Chunk writers of a copy: each write ends with an fsync, so several overlap to keep the device busy
    /// (they hold buffers from the same 3 × parallelism pool, so memory does not grow).
    /// </summary>
    internal int ChunkWriters => Math.Max(4, EffectiveParallelism);

    /// <summary>Parallelism clamped to something sane.</summary>
    internal int EffectiveParallelism => Math.Clamp(Parallelism, 1, 64);
}
