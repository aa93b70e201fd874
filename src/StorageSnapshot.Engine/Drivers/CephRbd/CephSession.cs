using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using StorageSnapshot.Engine.Drivers.CephRbd.Native;

namespace StorageSnapshot.Engine.Drivers.CephRbd;

/// <summary>
/// One connection to a Ceph cluster as the backend's cephx user, with an I/O context on the backend's pool and
/// namespace. Made from the settings alone — nothing is read from the environment but what the ConfigFile names —
/// with every wait bounded by the backend's timeout. The blocking methods here are called through
/// <see cref="BlockingCall"/> by the backend.
/// </summary>
internal sealed unsafe class CephSession : IDisposable
{
    private CephSession(CephRbdSettings settings, RadosClusterHandle cluster, RadosIoContextHandle pool, string monitors)
    {
        Settings = settings;
        Cluster = cluster;
        Pool = pool;
        Monitors = monitors;
    }

    public CephRbdSettings Settings { get; }

    public RadosClusterHandle Cluster { get; }

    /// <summary>The backend's pool, with its namespace set.</summary>
    public RadosIoContextHandle Pool { get; }

    /// <summary>The monitor addresses in effect (for messages).</summary>
    public string Monitors { get; }

    /// <summary>Connects, within the backend's timeout; a failure says in words what is wrong.</summary>
    public static Task<CephSession> ConnectAsync(CephRbdSettings settings, CancellationToken cancellationToken) =>
        BlockingCall.RunAsync(_ => Connect(settings), $"connecting to the Ceph cluster as client.{settings.User}", settings.Timeout, cancellationToken);

    private static CephSession Connect(CephRbdSettings settings)
    {
        CephError.Check(Librados.rados_create2(out var raw, "ceph", "client." + settings.User, 0), "rados_create2", $"client.{settings.User}");
        var cluster = new RadosClusterHandle(raw);
        try
        {
            if (settings.ConfigFile is { } file)
            {
                var read = Librados.rados_conf_read_file(cluster, file);
                if (read < 0) throw new CephException(-read, $"The ConfigFile '{file}' cannot be read as a ceph.conf: {CephError.Name(-read)} ({Marshal.GetPInvokeErrorMessage(-read)}).");
            }
            // librados writes its errors to stderr by default: they would land in the user's console.
            Set(cluster, "log_to_stderr", "false");
            Set(cluster, "err_to_stderr", "false");
            if (settings.MonitorHosts is { } hosts && Librados.rados_conf_set(cluster, "mon_host", hosts) is < 0 and var bad)
                throw new CephException(-bad, $"MonitorHosts '{hosts}' is not a monitor address list librados accepts ({CephError.Name(-bad)}).");
            if (settings.Keyring is { } keyring) Set(cluster, "keyring", keyring);
            if (settings.Key is { } key && Librados.rados_conf_set(cluster, "key", key) is < 0 and var badKey)
                throw new CephException(-badKey, $"The Key is not a cephx key librados accepts ({CephError.Name(-badKey)}).");
            var seconds = settings.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture);
            Set(cluster, "client_mount_timeout", seconds);
            Set(cluster, "rados_mon_op_timeout", seconds);
            Set(cluster, "rados_osd_op_timeout", seconds);
            var monitors = Get(cluster, "mon_host") is { Length: > 0 } m ? m : "(no monitors configured)";

            var connected = Librados.rados_connect(cluster);
            if (connected < 0) throw ConnectFailed(-connected, settings, monitors);

            var ioResult = Librados.rados_ioctx_create(cluster, settings.Pool, out var io);
            if (ioResult < 0)
            {
                throw -ioResult == CephError.ENOENT
                    ? new CephException(CephError.ENOENT, $"Pool '{settings.Pool}' does not exist in the cluster at {monitors}{PoolList(cluster)}.")
                    : CephError.From(-ioResult, "rados_ioctx_create", $"pool '{settings.Pool}'", settings.User);
            }
            var pool = new RadosIoContextHandle(cluster, io);
            Librados.rados_ioctx_set_namespace(pool, settings.Namespace ?? "");
            return new CephSession(settings, cluster, pool, monitors);
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    private static CephException ConnectFailed(int errno, CephRbdSettings settings, string monitors) => errno switch
    {
        CephError.ETIMEDOUT => new CephException(errno,
            $"No Ceph monitor answered at {monitors} within {settings.Timeout.TotalSeconds:0} s (rados_connect: ETIMEDOUT): the monitors are down or unreachable from here, or the addresses are wrong."),
        CephError.EACCES or CephError.EPERM => new CephException(errno,
            $"The cluster at {monitors} refused client.{settings.User} (rados_connect: {CephError.Name(errno)}): the key is wrong, or the user does not exist (`ceph auth get client.{settings.User}`)."),
        CephError.ENOENT => new CephException(errno,
            $"No key for client.{settings.User} was found (rados_connect: ENOENT): give the Key (or a credential whose password is the key) or a Keyring, or a ConfigFile whose keyring holds it."),
        _ => CephError.From(errno, "rados_connect", $"the cluster at {monitors} as client.{settings.User}", settings.User),
    };

    private static void Set(RadosClusterHandle cluster, string option, string value) =>
        CephError.Check(Librados.rados_conf_set(cluster, option, value), "rados_conf_set", option);

    private static string? Get(RadosClusterHandle cluster, string option)
    {
        var buffer = new byte[4096];
        fixed (byte* b = buffer)
        {
            if (Librados.rados_conf_get(cluster, option, b, (nuint)buffer.Length) < 0) return null;
            return Marshal.PtrToStringUTF8((nint)b);
        }
    }

    /// <summary>" (its pools: a, b)" — as far as this user may list them.</summary>
    private static string PoolList(RadosClusterHandle cluster)
    {
        var names = PoolNames(cluster);
        return names.Count == 0 ? "" : $" (its pools: {string.Join(", ", names)})";
    }

    public static IReadOnlyList<string> PoolNames(RadosClusterHandle cluster)
    {
        var needed = Librados.rados_pool_list(cluster, null, 0);
        if (needed <= 0) return Array.Empty<string>();
        var buffer = new byte[needed + 1];
        fixed (byte* b = buffer)
        {
            var written = Librados.rados_pool_list(cluster, b, (nuint)buffer.Length);
            if (written < 0 || written > buffer.Length) return Array.Empty<string>();
        }
        return NulSeparated(buffer);
    }

    /// <summary>The applications enabled on a pool ("rbd", "rgw", ...).</summary>
    public static IReadOnlyList<string> Applications(RadosIoContextHandle pool, string poolName, string user)
    {
        nuint length = 256;
        while (true)
        {
            var buffer = new byte[length];
            int result;
            fixed (byte* b = buffer) result = Librados.rados_application_list(pool, b, ref length);
            if (result == -CephError.ERANGE && length > (nuint)buffer.Length) continue;
            CephError.Check(result, "rados_application_list", $"pool '{poolName}'", user);
            return NulSeparated(buffer.AsSpan(0, (int)Math.Min(length, (nuint)buffer.Length)).ToArray());
        }
    }

    private static List<string> NulSeparated(byte[] buffer) =>
        Encoding.UTF8.GetString(buffer).Split('\0', StringSplitOptions.RemoveEmptyEntries).ToList();

    /// <summary>Opens an I/O context on another pool (DataPool checks), in the backend's namespace.</summary>
    public RadosIoContextHandle OpenPool(string poolName)
    {
        var result = Librados.rados_ioctx_create(Cluster, poolName, out var io);
        if (result < 0)
        {
            throw -result == CephError.ENOENT
                ? new CephException(CephError.ENOENT, $"Pool '{poolName}' does not exist in the cluster at {Monitors}{PoolList(Cluster)}.")
                : CephError.From(-result, "rados_ioctx_create", $"pool '{poolName}'", Settings.User);
        }
        return new RadosIoContextHandle(Cluster, io);
    }

    /// <summary>
    /// Opens an image of the backend's pool: read-only (no watch on the header, as for reading a snapshot) or
    /// read-write; at <paramref name="snapshot"/> when given.
    /// </summary>
    public RbdImageHandle OpenImage(string image, string? snapshot, bool readOnly)
    {
        var what = snapshot is null ? Locations.Volume(Settings, image) : Locations.Snapshot(Settings, image, snapshot);
        var result = readOnly
            ? Librbd.rbd_open_read_only(Pool, image, out var raw, snapshot)
            : Librbd.rbd_open(Pool, image, out raw, snapshot);
        if (result < 0) throw CephError.From(-result, readOnly ? "rbd_open_read_only" : "rbd_open", what, Settings.User);
        return new RbdImageHandle(Pool, raw);
    }

    /// <summary>
    /// The oldest client release the cluster requires (13 = Mimic), the larger of what its features imply and what
    /// `ceph osd set-require-min-compat-client` set.
    /// </summary>
    public int MinimumClientRelease()
    {
        CephError.Check(Librados.rados_get_min_compatible_client(Cluster, out var minimum, out var required), "rados_get_min_compatible_client", "the cluster", Settings.User);
        return Math.Max(minimum, required);
    }

    /// <summary>Runs a monitor command (JSON in, JSON out); null when the user may not run it.</summary>
    public JsonDocument? MonitorCommand(string json)
    {
        var command = Encoding.UTF8.GetBytes(json + "\0");
        fixed (byte* c = command)
        {
            var commands = stackalloc byte*[1];
            commands[0] = c;
            var result = Librados.rados_mon_command(Cluster, commands, 1, null, 0, out var output, out var outputLength, out var status, out _);
            try
            {
                if (result < 0 || output == 0) return null;
                var text = Marshal.PtrToStringUTF8(output, (int)outputLength);
                return JsonDocument.Parse(text);
            }
            catch (JsonException)
            {
                return null;
            }
            finally
            {
                if (output != 0) Librados.rados_buffer_free(output);
                if (status != 0) Librados.rados_buffer_free(status);
            }
        }
    }

    public void Dispose()
    {
        Pool.Dispose();
        Cluster.Dispose();
    }
}
