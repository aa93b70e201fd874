using StorageSnapshot.Engine.Drivers.CephRbd.Native;

namespace StorageSnapshot.Engine.Drivers.CephRbd;

/// <summary>
/// The <c>ceph-rbd</c> driver: volumes are RBD images in one pool (and namespace) of a Ceph cluster, snapshots RBD
/// snapshots, clones RBD clones, revert rbd_snap_rollback; reads, writes and changed ranges go through librbd. It
/// talks to the cluster through librados/librbd's C API (P/Invoke, <see cref="Native"/>) — never by running or
/// parsing the rbd command — so it needs the librados2 and librbd1 libraries on the host, nothing else.
/// </summary>
internal sealed class CephRbdDriver : IStorageDriver
{
    /// <summary>The registry name.</summary>
    public const string DriverName = "ceph-rbd";

    /// <summary>
    /// Everything but ConsistencyGroups and Quiesce; ClonesDependOnSnapshot because an RBD clone reads from its parent
    /// snapshot until flattened. RevertDestroysNewerSnapshots is not declared: a rollback keeps every snapshot.
    /// </summary>
    internal const DriverCapabilities Declared = DriverCapabilities.CreateVolume | DriverCapabilities.Snapshot | DriverCapabilities.Revert
        | DriverCapabilities.Clone | DriverCapabilities.Delete | DriverCapabilities.ReadSnapshot | DriverCapabilities.ChangedRanges
        | DriverCapabilities.WriteVolume | DriverCapabilities.ClonesDependOnSnapshot;

    private readonly CephSessionPool sessions = new();

    /// <inheritdoc />
    public DriverDescriptor Descriptor { get; } = new(
        DriverName,
        "Volumes are RBD images in a Ceph pool (and namespace); snapshots, clones and rollback are RBD's own; exact changed ranges; through librbd.",
        Declared,
        CephRbdSettings.Schema);

    /// <inheritdoc />
    /// <remarks>
    /// <c>rbd:pool</c> or <c>rbd:pool/namespace</c>. The cluster is not part of it (telling it needs a connection),
    /// so two backends on pools of the same name in different clusters are refused as overlapping; a backend on a
    /// pool's default namespace overlaps every namespace of that pool, as its Locations nest
    /// (<c>rbd:pool/name</c> is an image of the default namespace or the namespace <c>name</c>).
    /// </remarks>
    public string? DataLocation(IReadOnlyDictionary<string, string> properties) =>
        properties.TryGetValue(CephRbdSettings.PoolProperty, out var pool) && pool.Length > 0
            ? Locations.Of(pool, properties.GetValueOrDefault(CephRbdSettings.NamespaceProperty))
            : null;

    /// <inheritdoc />
    /// <remarks>
    /// Connects within the backend's timeout and checks, naming what is wrong: the monitors answer, the user is
    /// accepted, the pool exists and is an RBD pool, the namespace exists, the data pool exists and is an RBD pool,
    /// and the user may list the pool's images. Nothing is changed.
    /// </remarks>
    public async Task<IReadOnlyList<string>> ValidateBackendAsync(IReadOnlyDictionary<string, string> properties, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var settings = CephRbdSettings.From(properties);
        var problems = settings.CombinationProblems().ToList();
        if (settings.ConfigFile is { } file && !File.Exists(file))
            problems.Add($"The ConfigFile '{file}' does not exist.");
        if (settings.Keyring is { } keyring && !File.Exists(keyring))
            problems.Add($"The Keyring '{keyring}' does not exist.");
        if (problems.Count > 0) return problems;

        CephSession session;
        try
        {
            session = await CephSession.ConnectAsync(settings, cancellationToken).ConfigureAwait(false);
        }
        catch (CephException e)
        {
            return new[] { e.Message };
        }
        using (session)
        {
            return await BlockingCall.RunAsync(_ => PoolProblems(session), $"checking pool '{settings.Pool}'", settings.Timeout, cancellationToken).ConfigureAwait(false);
        }
    }

    private static IReadOnlyList<string> PoolProblems(CephSession session)
    {
        var settings = session.Settings;
        var problems = new List<string>();
        RbdPoolProblem(session, session.Pool, settings.Pool, problems);
        if (settings.Namespace is { } nameSpace)
        {
            var result = Librbd.rbd_namespace_exists(session.Pool, nameSpace, out var exists);
            if (result < 0) problems.Add(CephError.From(-result, "rbd_namespace_exists", $"namespace '{nameSpace}' of pool '{settings.Pool}'", settings.User).Message);
            else if (!exists) problems.Add($"Namespace '{nameSpace}' does not exist in pool '{settings.Pool}': create it with `rbd namespace create {settings.Pool}/{nameSpace}`.");
        }
        if (settings.DataPool is { } dataPool)
        {
            try
            {
                using var data = session.OpenPool(dataPool);
                RbdPoolProblem(session, data, dataPool, problems, asDataPool: true);
            }
            catch (CephException e)
            {
                problems.Add($"DataPool: {e.Message}");
            }
        }
        if (problems.Count == 0)
        {
            try
            {
                RbdImages.List(session);
            }
            catch (CephException e)
            {
                problems.Add($"client.{settings.User} cannot list the images of {settings.LocationPrefix}: {e.Message}");
            }
        }
        return problems;
    }

    private static void RbdPoolProblem(CephSession session, RadosIoContextHandle pool, string name, List<string> problems, bool asDataPool = false)
    {
        IReadOnlyList<string> applications;
        try
        {
            applications = CephSession.Applications(pool, name, session.Settings.User);
        }
        catch (CephException e)
        {
            problems.Add(e.Message);
            return;
        }
        if (!applications.Contains("rbd"))
        {
            var has = applications.Count == 0 ? "no application enabled" : $"the application{(applications.Count > 1 ? "s" : "")} {string.Join(", ", applications.Select(a => $"'{a}'"))}";
            problems.Add($"{(asDataPool ? "DataPool" : "Pool")} '{name}' is not an RBD pool: it has {has}. `rbd pool init {name}` makes it one.");
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Backends with the same properties share one connection, kept for a short while after the last is disposed
    /// (<see cref="CephSessionPool"/>): the items of a pipeline, the operations of a runbook do not connect each time.
    /// </remarks>
    public async Task<IDriverBackend> OpenBackendAsync(string backendName, IReadOnlyDictionary<string, string> properties, CancellationToken cancellationToken)
    {
        var settings = CephRbdSettings.From(properties);
        var lease = await sessions.LeaseAsync(settings, cancellationToken).ConfigureAwait(false);
        return new CephRbdBackend(backendName, lease);
    }
}
