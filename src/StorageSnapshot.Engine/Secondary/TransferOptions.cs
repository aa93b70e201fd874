namespace StorageSnapshot.Engine.Secondary;

/// <summary>Tuning shared by copy, restore and verify.</summary>
public sealed record TransferOptions
{
    /// <summary>Hashing threads (and the unit of the memory bound): the processor count by default.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// How long a copy waits for another copy of the same snapshot into the same repository (or for chunk
    /// collection) to finish. Infinite by default: the waiting copy then finds the finished copy and returns it.
    /// </summary>
    public TimeSpan LockTimeout { get; init; } = Timeout.InfiniteTimeSpan;

    /// <summary>Share of the chunks claimed unchanged that an incremental copy re-reads to check the change source.</summary>
    public double VerificationSampleFraction { get; init; } = 0.001;

    /// <summary>Fewest chunks claimed unchanged that are re-read (all of them when there are fewer).</summary>
    public int VerificationSampleMinimum { get; init; } = 16;

    /// <summary>Parallelism clamped to something sane.</summary>
    internal int EffectiveParallelism => Math.Clamp(Parallelism, 1, 64);
}
