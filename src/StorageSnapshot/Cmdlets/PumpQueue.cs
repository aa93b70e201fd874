namespace StorageSnapshot.Commands.Cmdlets;

/// <summary>
/// The pump's queue: engine threads add, the pipeline thread takes, in order. Taking from an empty queue blocks in
/// the kernel at once (Monitor.Wait) instead of spinning first: BlockingCollection waits on a SemaphoreSlim, which
/// spins with sched_yield before it blocks — on every message of a copy, on the pipeline thread, next to the
/// hashing workers (issue 11 counted 70,000 sched_yield calls in one 2 GiB copy on 2 cores).
/// </summary>
internal sealed class PumpQueue<T>
{
    private readonly Queue<T> items = new();
    private bool completed;

    /// <summary>Adds an item; false once <see cref="CompleteAdding"/> was called (nobody is listening any more).</summary>
    public bool TryAdd(T item)
    {
        lock (items)
        {
            if (completed) return false;
            items.Enqueue(item);
            Monitor.Pulse(items);
            return true;
        }
    }

    /// <summary>No more items: <see cref="TryTake"/> returns false once the queue is drained.</summary>
    public void CompleteAdding()
    {
        lock (items)
        {
            completed = true;
            Monitor.PulseAll(items);
        }
    }

    /// <summary>Takes the next item, waiting (without spinning) until there is one; false when the queue is complete and empty.</summary>
    public bool TryTake(out T item)
    {
        lock (items)
        {
            while (items.Count == 0)
            {
                if (completed)
                {
                    item = default!;
                    return false;
                }
                Monitor.Wait(items);
            }
            item = items.Dequeue();
            return true;
        }
    }
}
