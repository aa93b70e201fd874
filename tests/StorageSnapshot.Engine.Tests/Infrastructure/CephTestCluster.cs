using System.Diagnostics;
using System.Runtime.InteropServices;
using StorageSnapshot.Engine.Drivers.CephRbd;
using StorageSnapshot.Engine.Drivers.CephRbd.Native;

namespace StorageSnapshot.Engine.Tests.Infrastructure;

/// <summary>
/// The Ceph cluster the ceph-rbd tests run against: the one tests/infrastructure/ceph.sh starts (.ci/run starts it
/// before the tests). Found through STORAGESNAPSHOT_CEPH_CONF (what `ceph.sh env` exports), else the script's
/// well-known /tmp/storagesnapshot-ceph-cluster/ceph.conf — so `bash tests/run.sh` on a machine where the script
/// started the cluster runs these tests with nothing else to set. Pools: STORAGESNAPSHOT_CEPH_POOL (rbd),
/// STORAGESNAPSHOT_CEPH_DATA_POOL (rbd-data), STORAGESNAPSHOT_CEPH_PLAIN_POOL (not-rbd, without the rbd application).
/// </summary>
public static class CephTestCluster
{
    /// <summary>The ceph.conf of the test cluster.</summary>
    public const string ConfVariable = "STORAGESNAPSHOT_CEPH_CONF";

    /// <summary>Where tests/infrastructure/ceph.sh keeps the cluster unless told otherwise.</summary>
    public const string DefaultDirectory = "/tmp/storagesnapshot-ceph-cluster";

    /// <summary>The cluster's ceph.conf, or null when there is none to be found.</summary>
    public static string? ConfigFile
    {
        get
        {
            var given = Environment.GetEnvironmentVariable(ConfVariable);
            if (!string.IsNullOrEmpty(given)) return given;
            var wellKnown = Path.Combine(DefaultDirectory, "ceph.conf");
            return File.Exists(wellKnown) ? wellKnown : null;
        }
    }

    /// <summary>The script's data directory (PID files of the daemons): beside the conf.</summary>
    public static string? DataDirectory =>
        Environment.GetEnvironmentVariable("STORAGESNAPSHOT_CEPH_DIR") is { Length: > 0 } dir ? dir : ConfigFile is { } conf ? Path.GetDirectoryName(conf) : null;

    public static string Pool => Environment.GetEnvironmentVariable("STORAGESNAPSHOT_CEPH_POOL") is { Length: > 0 } p ? p : "rbd";

    public static string DataPool => Environment.GetEnvironmentVariable("STORAGESNAPSHOT_CEPH_DATA_POOL") is { Length: > 0 } p ? p : "rbd-data";

    public static string PlainPool => Environment.GetEnvironmentVariable("STORAGESNAPSHOT_CEPH_PLAIN_POOL") is { Length: > 0 } p ? p : "not-rbd";

    /// <summary>A conf exists and librados/librbd load.</summary>
    public static bool IsAvailable => ConfigFile is { } conf && File.Exists(conf) && LibrariesLoad.Value;

    /// <summary>Why a test that needs the cluster skips here, or null (never skipped under STORAGESNAPSHOT_INTEGRATION=required).</summary>
    public static string? SkipReason => Integration.Required || IsAvailable ? null
        : "needs a Ceph cluster: run `bash tests/infrastructure/ceph.sh start` (or set STORAGESNAPSHOT_CEPH_CONF to a cluster's ceph.conf with an admin keyring); set STORAGESNAPSHOT_INTEGRATION=required to make this a failure";

    /// <summary>The prerequisite in words.</summary>
    public const string Description = "a Ceph cluster (bash tests/infrastructure/ceph.sh start) and librados2/librbd1";

    private static readonly Lazy<bool> LibrariesLoad = new(() =>
        NativeLibrary.TryLoad(Librados.Library, out _) && NativeLibrary.TryLoad(Librbd.Library, out _));

    /// <summary>Fails the test (required) unless the cluster is there.</summary>
    public static void Require() => Integration.Require(IsAvailable, $"the tests need {Description}; none found ({ConfVariable} unset and no {DefaultDirectory}/ceph.conf, or the libraries are missing)");

    /// <summary>Backend properties for the test cluster's admin user, in <paramref name="nameSpace"/> of the test pool.</summary>
    public static Dictionary<string, string> Properties(string? nameSpace, params (string Key, string Value)[] more)
    {
        var properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            [CephRbdSettings.PoolProperty] = Pool,
            [CephRbdSettings.ConfigFileProperty] = ConfigFile!,
            [CephRbdSettings.UserProperty] = "admin",
            [CephRbdSettings.TimeoutSecondsProperty] = "30",
            [CephRbdSettings.CloneFormatProperty] = "auto",
        };
        if (nameSpace is not null) properties[CephRbdSettings.NamespaceProperty] = nameSpace;
        foreach (var (key, value) in more) properties[key] = value;
        return properties;
    }

    /// <summary>The admin key, read from the keyring the conf names (for tests of Key and -Credential).</summary>
    public static string AdminKey()
    {
        var keyring = Path.Combine(DataDirectory!, "ceph.client.admin.keyring");
        var line = File.ReadAllLines(keyring).Select(l => l.Trim()).First(l => l.StartsWith("key", StringComparison.Ordinal));
        return line[(line.IndexOf('=') + 1)..].Trim();
    }

    /// <summary>Runs the rbd command against the test cluster (a baseline and a second opinion; the driver never does).</summary>
    public static string Rbd(params string[] arguments) => Run("rbd", arguments);

    /// <summary>Runs the ceph command against the test cluster.</summary>
    public static string Ceph(params string[] arguments) => Run("ceph", arguments);

    private static string Run(string tool, string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("--conf");
        start.ArgumentList.Add(ConfigFile!);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', arguments)} did not finish in 120 s.");
        }
        if (process.ExitCode != 0) throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} exited with {process.ExitCode}: {error.Result}");
        return output.Result;
    }

    /// <summary>The PID the script recorded for a daemon (osd.0, mon.a, mgr.x), or null when it did not start it.</summary>
    public static int? DaemonPid(string daemon)
    {
        var file = DataDirectory is { } dir ? Path.Combine(dir, "pids", daemon + ".pid") : null;
        return file is not null && File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), out var pid) ? pid : null;
    }
}

/// <summary>
/// A fresh RBD namespace in the test pool for one test (fresh storage for every contract test, isolated from the
/// tests running beside it); disposing removes every image and snapshot in it (clones first, protected snapshots
/// unprotected) and then the namespace.
/// </summary>
public sealed partial class CephTestNamespace : IDisposable
{
    private readonly CephSession session;

    private CephTestNamespace(CephSession session, string name)
    {
        this.session = session;
        Name = name;
    }

    public string Name { get; }

    /// <summary>rbd:pool/namespace.</summary>
    public string Location => $"rbd:{CephTestCluster.Pool}/{Name}";

    public static async Task<CephTestNamespace> CreateAsync(string prefix = "test")
    {
        CephTestCluster.Require();
        var name = $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];
        var settings = CephRbdSettings.From(CephTestCluster.Properties(null));
        var session = await CephSession.ConnectAsync(settings, CancellationToken.None);
        var created = rbd_namespace_create(session.Pool, name);
        if (created < 0) throw new InvalidOperationException($"rbd_namespace_create {name} failed: {created}");
        return new CephTestNamespace(session, name);
    }

    /// <summary>Removes every image of the namespace and the namespace itself. A few rounds: clones must go before their parents.</summary>
    public void Dispose()
    {
        try
        {
            using var pool = session.OpenPool(CephTestCluster.Pool);
            Librados.rados_ioctx_set_namespace(pool, Name);
            for (var round = 0; round < 5; round++)
            {
                var images = ListImages(pool);
                if (images.Count == 0) break;
                foreach (var image in images) TryRemove(pool, image);
            }
            rbd_namespace_remove(session.Pool, Name);
        }
        finally
        {
            session.Dispose();
        }
    }

    private static unsafe List<string> ListImages(RadosIoContextHandle pool)
    {
        nuint count = 256;
        var specs = new Librbd.ImageSpec[count];
        fixed (Librbd.ImageSpec* s = specs)
        {
            if (Librbd.rbd_list2(pool, s, ref count) < 0) return new List<string>();
            var names = new List<string>();
            for (var i = 0; i < (int)count; i++) names.Add(Marshal.PtrToStringUTF8((nint)s[i].Name) ?? "");
            Librbd.rbd_image_spec_list_cleanup(s, count);
            return names;
        }
    }

    private static unsafe void TryRemove(RadosIoContextHandle pool, string image)
    {
        if (Librbd.rbd_open(pool, image, out var raw, null) == 0)
        {
            using var handle = new RbdImageHandle(pool, raw);
            var count = 64;
            var entries = new Librbd.SnapInfo[count + 1];
            fixed (Librbd.SnapInfo* e = entries)
            {
                var n = Librbd.rbd_snap_list(handle, e, ref count);
                var names = new List<string>();
                for (var i = 0; i < n; i++) names.Add(Marshal.PtrToStringUTF8((nint)e[i].Name)!);
                if (n >= 0) Librbd.rbd_snap_list_end(e);
                // librbd calls the progress function without checking it for null: a no-op one is passed.
                foreach (var name in names)
                    ProgressCallback.With(new BlockingCall.Progress(), state => Librbd.rbd_snap_remove2(handle, name, Librbd.SnapRemoveUnprotect, ProgressCallback.Pointer, state));
            }
        }
        ProgressCallback.With(new BlockingCall.Progress(), state => Librbd.rbd_remove_with_progress(pool, image, ProgressCallback.Pointer, state));
    }

    [LibraryImport(Librbd.Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rbd_namespace_create(RadosIoContextHandle ioctx, string name);

    [LibraryImport(Librbd.Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rbd_namespace_remove(RadosIoContextHandle ioctx, string name);
}
