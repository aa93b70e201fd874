namespace StorageSnapshot;

/// <summary>
/// Where the engine sends everything other than its results. The cmdlet implements it over WriteVerbose,
/// WriteWarning, WriteProgress and WriteError; tests implement it with a recorder.
/// The engine may call it from worker threads: implementations must be thread-safe (the cmdlet queues
/// messages and drains them on the pipeline thread).
/// </summary>
public interface IOperationOutput
{
    /// <summary>Detail for -Verbose.</summary>
    void WriteVerbose(string message);

    /// <summary>Something the user should know that did not stop the work.</summary>
    void WriteWarning(string message);

    /// <summary>Progress of long work. A record with <see cref="ProgressInfo.Completed"/> ends the activity.</summary>
    void WriteProgress(ProgressInfo progress);

    /// <summary>A non-terminating error about one item: the engine reports it and goes on with the others.</summary>
    void WriteError(StorageSnapshotException error);
}

/// <summary>
/// Asks whether to go ahead with a change (PowerShell's ShouldProcess: -WhatIf, -Confirm).
/// <paramref name="target"/> names the thing, <paramref name="action"/> says in words what would happen.
/// When it returns false the engine changes nothing: not the storage, not the inventory.
/// </summary>
public delegate bool ShouldProcessCallback(string target, string action);

/// <summary>A progress report. Percent is -1 when unknown.</summary>
public sealed record ProgressInfo
{
    /// <summary>Distinguishes concurrent activities (each copy, each restore).</summary>
    public int ActivityId { get; init; }

    /// <summary>Parent activity id, or -1.</summary>
    public int ParentActivityId { get; init; } = -1;

    /// <summary>What is being done ("Copying snapshot nightly to nfs1").</summary>
    public required string Activity { get; init; }

    /// <summary>Where it stands ("1.2 GiB of 4 GiB, 591 MiB/s").</summary>
    public required string Status { get; init; }

    /// <summary>0–100, or -1 when unknown.</summary>
    public int PercentComplete { get; init; } = -1;

    /// <summary>The current step, if any.</summary>
    public string? CurrentOperation { get; init; }

    /// <summary>Estimated seconds left, or -1.</summary>
    public int SecondsRemaining { get; init; } = -1;

    /// <summary>Bytes done so far.</summary>
    public long BytesDone { get; init; }

    /// <summary>Bytes in all, or 0 when unknown.</summary>
    public long BytesTotal { get; init; }

    /// <summary>Recent throughput, bytes per second.</summary>
    public double BytesPerSecond { get; init; }

    /// <summary>True on the last record of the activity.</summary>
    public bool Completed { get; init; }
}
