namespace StorageSnapshot.Engine.Drivers.CephRbd;

/// <summary>
/// Runs one blocking librados/librbd call on a thread of its own and waits for it honestly: librados bounds each
/// request it sends (the backend's TimeoutSeconds, set as client_mount_timeout, rados_mon_op_timeout and
/// rados_osd_op_timeout), but a call can also wait inside librbd (for an exclusive lock, a watch, a notification).
/// If the call neither returns nor reports progress for the limit plus a margin, the wait ends with an error that
/// says the call is still running — it cannot be stopped from outside, and it may still complete. The native
/// handles it uses stay alive until it returns (SafeHandle references taken by the marshaller).
/// Cancellation is checked before the call starts; once a call runs it is not abandoned on a cancel, because what
/// it did (a snapshot made, a rollback half done) must be known to the caller.
/// </summary>
internal static class BlockingCall
{
    /// <summary>Added to the limit so that librados' own timeout (with its errno) normally answers first.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(5);

    /// <summary>Runs <paramref name="call"/>; <paramref name="what"/> names it in the error ("rbd_snap_create of rbd:pool/img@s").</summary>
    public static async Task<T> RunAsync<T>(Func<Progress, T> call, string what, TimeSpan limit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var progress = new Progress();
        var task = Task.Factory.StartNew(() => call(progress), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var window = limit + Margin;
        while (true)
        {
            var finished = await Task.WhenAny(task, Task.Delay(window, CancellationToken.None)).ConfigureAwait(false);
            if (finished == task) return await task.ConfigureAwait(false);
            var quiet = progress.QuietFor;
            if (quiet >= window)
            {
                var done = progress.Fraction is { } fraction ? $" at {fraction:P0}" : "";
                throw new CephException(CephError.ETIMEDOUT,
                    $"{what} has not answered for {window.TotalSeconds:0} s{done} and is still running in the background: the cluster does not answer (monitors or OSDs down or overloaded? see `ceph -s`). " +
                    "It may still complete; check the object's state before trying again.");
            }
            window = limit + Margin - quiet;
        }
    }

    /// <summary>Runs a call that returns a librados/librbd status code.</summary>
    public static Task<int> RunAsync(Func<int> call, string what, TimeSpan limit, CancellationToken cancellationToken) =>
        RunAsync(_ => call(), what, limit, cancellationToken);

    /// <summary>What a long call reports as it goes (a librbd progress callback, a diff callback).</summary>
    internal sealed class Progress
    {
        private long lastTicks = Environment.TickCount64;
        private double fraction = -1;

        public TimeSpan QuietFor => TimeSpan.FromMilliseconds(Environment.TickCount64 - Interlocked.Read(ref lastTicks));

        public double? Fraction => Volatile.Read(ref fraction) is var f && f >= 0 ? f : null;

        public void Report(ulong done, ulong total)
        {
            Interlocked.Exchange(ref lastTicks, Environment.TickCount64);
            if (total > 0) Volatile.Write(ref fraction, Math.Min(1.0, (double)done / total));
        }

        public void Alive() => Interlocked.Exchange(ref lastTicks, Environment.TickCount64);
    }
}
