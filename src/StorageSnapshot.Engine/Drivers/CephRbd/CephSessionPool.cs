namespace StorageSnapshot.Engine.Drivers.CephRbd;

/// <summary>
/// Connections kept by one driver instance, one per distinct backend settings, shared by the backends it opens: a
/// librados connection costs tens of milliseconds and a dozen threads, more than most RBD calls take. A connection
/// whose last backend is disposed stays open for <see cref="IdleTime"/> (the next item of a pipeline, the next
/// operation of a runbook reuses it) and is then shut down. One that failed in a way that says the connection itself
/// is in doubt (timed out, blocklisted, disconnected) is never handed out again.
/// The pool belongs to the driver instance — the cmdlets make one per command — never to the process.
/// </summary>
internal sealed class CephSessionPool
{
    /// <summary>How long an unused connection is kept.</summary>
    public static readonly TimeSpan IdleTime = TimeSpan.FromSeconds(20);

    private readonly object gate = new();
    private readonly Dictionary<CephRbdSettings, Entry> entries = new();

    /// <summary>A connection for <paramref name="settings"/>: a kept one, or a new one.</summary>
    public async Task<Lease> LeaseAsync(CephRbdSettings settings, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (entries.TryGetValue(settings, out var kept) && !kept.Broken)
            {
                kept.Leases++;
                kept.Generation++;
                return new Lease(this, kept);
            }
        }
        var session = await CephSession.ConnectAsync(settings, cancellationToken).ConfigureAwait(false);
        lock (gate)
        {
            var entry = new Entry(settings, session) { Leases = 1 };
            // Another lease may have connected meanwhile: the older connection is closed once its leases are done.
            if (entries.TryGetValue(settings, out var other)) other.Broken = true;
            entries[settings] = entry;
            return new Lease(this, entry);
        }
    }

    private void Return(Entry entry)
    {
        bool closeNow, idle;
        long generation;
        lock (gate)
        {
            entry.Leases--;
            generation = ++entry.Generation;
            closeNow = entry.Leases == 0 && entry.Broken;
            idle = entry.Leases == 0 && !entry.Broken;
            if (closeNow && entries.TryGetValue(entry.Settings, out var current) && current == entry) entries.Remove(entry.Settings);
        }
        if (closeNow) entry.Session.Dispose();
        else if (idle) _ = CloseWhenIdleAsync(entry, generation);
    }

    private async Task CloseWhenIdleAsync(Entry entry, long generation)
    {
        await Task.Delay(IdleTime).ConfigureAwait(false);
        lock (gate)
        {
            if (entry.Leases > 0 || entry.Generation != generation) return;
            if (entries.TryGetValue(entry.Settings, out var current) && current == entry) entries.Remove(entry.Settings);
        }
        entry.Session.Dispose();
    }

    internal sealed class Entry(CephRbdSettings settings, CephSession session)
    {
        public CephRbdSettings Settings { get; } = settings;
        public CephSession Session { get; } = session;
        public int Leases { get; set; }
        public long Generation { get; set; }
        public bool Broken { get; set; }
    }

    /// <summary>One backend's use of a connection; disposing it gives the connection back.</summary>
    internal sealed class Lease : IDisposable
    {
        private readonly CephSessionPool pool;
        private readonly Entry entry;
        private int returned;

        public Lease(CephSessionPool pool, Entry entry)
        {
            this.pool = pool;
            this.entry = entry;
        }

        public CephSession Session => entry.Session;

        /// <summary>
        /// Looks at a failure: one that puts the connection itself in doubt (a timeout, a blocklisted or disconnected
        /// client) means no later backend gets this connection; the next one connects anew, which also says clearly
        /// whether the monitors answer.
        /// </summary>
        public void Observe(Exception failure)
        {
            if (failure is CephException { Errno: CephError.ETIMEDOUT or CephError.ESHUTDOWN or CephError.ENOTCONN or CephError.ECONNREFUSED })
            {
                lock (pool.gate) entry.Broken = true;
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref returned, 1) == 0) pool.Return(entry);
        }
    }
}
