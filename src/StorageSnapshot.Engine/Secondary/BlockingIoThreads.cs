namespace StorageSnapshot.Engine.Secondary;

/// <summary>
/// File I/O in .NET on Linux is synchronous underneath: an "async" pread, pwrite or fsync occupies a thread-pool
/// thread until the kernel returns. A transfer keeps a known number of such calls in flight (chunk readers,
/// writers that fsync, hashers), and the pool starts with one thread per core, adding more only slowly when
/// starved — which left the pipeline waiting for threads instead of the disk. Before a transfer starts, the
/// pool's minimum is raised to what it needs (never lowered: other work in the process may rely on it).
/// </summary>
internal static class BlockingIoThreads
{
    private static readonly object Gate = new();

    /// <summary>Makes sure the thread pool can run <paramref name="concurrentCalls"/> blocking calls plus the coordinating work at once.</summary>
    public static void Reserve(int concurrentCalls)
    {
        lock (Gate)
        {
            ThreadPool.GetMinThreads(out var workers, out var completionPorts);
            var wanted = concurrentCalls + Environment.ProcessorCount;
            if (workers < wanted) ThreadPool.SetMinThreads(wanted, completionPorts);
        }
    }
}
