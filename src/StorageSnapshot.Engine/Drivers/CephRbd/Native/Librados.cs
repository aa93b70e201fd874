using System.Runtime.InteropServices;

namespace StorageSnapshot.Engine.Drivers.CephRbd.Native;

/// <summary>
/// The few librados C functions the driver needs (rados/librados.h), bound by the library's versioned name so that
/// only the ABI it was written against is loaded. Every function returns 0 or a negative errno unless said otherwise.
/// Handles are raw here; <see cref="RadosClusterHandle"/> and <see cref="RadosIoContextHandle"/> own them.
/// </summary>
internal static partial class Librados
{
    /// <summary>librados 2 (Debian: librados2; every Ceph release since 0.56 ships this ABI).</summary>
    public const string Library = "librados.so.2";

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rados_create2(out nint cluster, string clusterName, string name, ulong flags);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rados_conf_read_file(RadosClusterHandle cluster, string path);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rados_conf_set(RadosClusterHandle cluster, string option, string value);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial int rados_conf_get(RadosClusterHandle cluster, string option, byte* buffer, nuint length);

    [LibraryImport(Library)]
    public static partial int rados_connect(RadosClusterHandle cluster);

    [LibraryImport(Library)]
    public static partial void rados_shutdown(nint cluster);

    [LibraryImport(Library)]
    public static partial int rados_get_min_compatible_client(RadosClusterHandle cluster, out sbyte minCompatClient, out sbyte requireMinCompatClient);

    [LibraryImport(Library)]
    public static unsafe partial int rados_pool_list(RadosClusterHandle cluster, byte* buffer, nuint length);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rados_ioctx_create(RadosClusterHandle cluster, string poolName, out nint ioctx);

    [LibraryImport(Library)]
    public static partial void rados_ioctx_destroy(nint ioctx);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void rados_ioctx_set_namespace(RadosIoContextHandle ioctx, string? nspace);

    [LibraryImport(Library)]
    public static unsafe partial int rados_application_list(RadosIoContextHandle ioctx, byte* values, ref nuint length);

    [LibraryImport(Library)]
    public static unsafe partial int rados_mon_command(RadosClusterHandle cluster, byte** command, nuint commandCount, byte* input, nuint inputLength,
        out nint output, out nuint outputLength, out nint status, out nuint statusLength);

    [LibraryImport(Library)]
    public static partial void rados_buffer_free(nint buffer);
}
