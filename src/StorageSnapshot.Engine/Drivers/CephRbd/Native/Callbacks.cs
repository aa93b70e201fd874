using System.Runtime.InteropServices;

namespace StorageSnapshot.Engine.Drivers.CephRbd.Native;

/// <summary>
/// librbd's progress callback (int (*)(uint64_t offset, uint64_t total, void *arg)) for long calls: it tells the
/// <see cref="BlockingCall.Progress"/> behind <c>arg</c> that the call is alive. Returning 0 lets the call go on.
/// </summary>
internal static unsafe class ProgressCallback
{
    public static delegate* unmanaged<ulong, ulong, nint, int> Pointer => &OnProgress;

    /// <summary>Runs <paramref name="call"/> with a pinned handle to <paramref name="progress"/> as the callback argument.</summary>
    public static int With(BlockingCall.Progress progress, Func<nint, int> call)
    {
        var handle = GCHandle.Alloc(progress);
        try
        {
            return call(GCHandle.ToIntPtr(handle));
        }
        finally
        {
            handle.Free();
        }
    }

    [UnmanagedCallersOnly]
    private static int OnProgress(ulong done, ulong total, nint state)
    {
        if (GCHandle.FromIntPtr(state).Target is BlockingCall.Progress progress) progress.Report(done, total);
        return 0;
    }
}

/// <summary>
/// Collects what rbd_diff_iterate2 reports (int (*)(uint64_t offset, size_t length, int exists, void *arg)): every
/// extent, or only those holding data. Returning non-zero stops the iteration: done when the caller cancels.
/// </summary>
internal sealed unsafe class DiffCollector
{
    private readonly bool dataOnly;
    private readonly BlockingCall.Progress? progress;
    private readonly CancellationToken cancellationToken;

    public DiffCollector(bool dataOnly, BlockingCall.Progress? progress, CancellationToken cancellationToken)
    {
        this.dataOnly = dataOnly;
        this.progress = progress;
        this.cancellationToken = cancellationToken;
    }

    /// <summary>The extents reported, in the order they came.</summary>
    public List<ByteRange> Extents { get; } = new();

    public static delegate* unmanaged<ulong, nuint, int, nint, int> Pointer => &OnExtent;

    [UnmanagedCallersOnly]
    private static int OnExtent(ulong offset, nuint length, int exists, nint state)
    {
        if (GCHandle.FromIntPtr(state).Target is not DiffCollector collector) return -CephError.EINVAL;
        if (collector.cancellationToken.IsCancellationRequested) return -CephError.ECANCELED;
        collector.progress?.Alive();
        if (length > 0 && (exists != 0 || !collector.dataOnly)) collector.Extents.Add(new ByteRange((long)offset, (long)length));
        return 0;
    }
}

/// <summary>
/// One asynchronous librbd request (rbd_aio_*): a completion whose callback, on a librbd thread, reads the result,
/// releases the completion and completes a task — continuations run on the thread pool, never on librbd's thread.
/// </summary>
internal static unsafe class AioRequest
{
    /// <summary>
    /// Submits a request through <paramref name="submit"/> (given the completion to pass to librbd) and returns its
    /// result: the byte count or 0 on success, a negative errno on failure.
    /// </summary>
    public static Task<long> StartAsync(Func<nint, int> submit)
    {
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handle = GCHandle.Alloc(done);
        var created = Librbd.rbd_aio_create_completion(GCHandle.ToIntPtr(handle), &OnComplete, out var completion);
        if (created < 0)
        {
            handle.Free();
            return Task.FromResult((long)created);
        }
        int submitted;
        try
        {
            submitted = submit(completion);
        }
        catch
        {
            Librbd.rbd_aio_release(completion);
            handle.Free();
            throw;
        }
        if (submitted < 0)
        {
            // Not queued: the callback will never run.
            Librbd.rbd_aio_release(completion);
            handle.Free();
            return Task.FromResult((long)submitted);
        }
        return done.Task;
    }

    [UnmanagedCallersOnly]
    private static void OnComplete(nint completion, nint state)
    {
        var result = (long)Librbd.rbd_aio_get_return_value(completion);
        Librbd.rbd_aio_release(completion);
        var handle = GCHandle.FromIntPtr(state);
        var done = (TaskCompletionSource<long>)handle.Target!;
        handle.Free();
        done.TrySetResult(result);
    }
}
