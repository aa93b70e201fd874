using System.Runtime.InteropServices;

namespace StorageSnapshot.Engine.Drivers.CephRbd.Native;

/// <summary>
/// The librbd C functions the driver needs (rbd/librbd.h), bound by the library's versioned name. Every function
/// returns 0 (or a count) on success and a negative errno on failure. Image handles are owned by
/// <see cref="RbdImageHandle"/>; callbacks are unmanaged function pointers to static methods (no delegates for the
/// garbage collector to move or collect while librbd holds them).
/// </summary>
internal static unsafe partial class Librbd
{
    /// <summary>librbd 1 (Debian: librbd1).</summary>
    public const string Library = "librbd.so.1";

    public const int ImageOptionDataPool = 10;
    public const int ImageOptionCloneFormat = 12;

    public const ulong FeatureFastDiff = 1UL << 4;

    public const ulong FlagFastDiffInvalid = 1UL << 1;

    public const uint SnapRemoveUnprotect = 1 << 0;

    [StructLayout(LayoutKind.Sequential)]
    public struct ImageSpec
    {
        public byte* Id;
        public byte* Name;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct SnapInfo
    {
        public ulong Id;
        public ulong Size;
        public byte* Name;
    }

    [LibraryImport(Library)]
    public static partial void rbd_image_options_create(out nint options);

    [LibraryImport(Library)]
    public static partial void rbd_image_options_destroy(nint options);

    [LibraryImport(Library)]
    public static partial int rbd_image_options_set_uint64(RbdImageOptionsHandle options, int option, ulong value);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rbd_image_options_set_string(RbdImageOptionsHandle options, int option, string value);

    [LibraryImport(Library)]
    public static partial int rbd_list2(RadosIoContextHandle ioctx, ImageSpec* images, ref nuint count);

    [LibraryImport(Library)]
    public static partial void rbd_image_spec_list_cleanup(ImageSpec* images, nuint count);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rbd_create4(RadosIoContextHandle ioctx, string name, ulong size, RbdImageOptionsHandle options);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rbd_clone3(RadosIoContextHandle parentIoctx, string parentName, string parentSnapshot,
        RadosIoContextHandle childIoctx, string childName, RbdImageOptionsHandle options);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rbd_remove_with_progress(RadosIoContextHandle ioctx, string name, delegate* unmanaged<ulong, ulong, nint, int> progress, nint state);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rbd_open(RadosIoContextHandle ioctx, string name, out nint image, string? snapshot);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rbd_open_read_only(RadosIoContextHandle ioctx, string name, out nint image, string? snapshot);

    [LibraryImport(Library)]
    public static partial int rbd_close(nint image);

    [LibraryImport(Library)]
    public static partial int rbd_get_size(RbdImageHandle image, out ulong size);

    [LibraryImport(Library)]
    public static partial int rbd_get_features(RbdImageHandle image, out ulong features);

    [LibraryImport(Library)]
    public static partial int rbd_get_flags(RbdImageHandle image, out ulong flags);

    [LibraryImport(Library)]
    public static partial int rbd_snap_list(RbdImageHandle image, SnapInfo* snapshots, ref int count);

    [LibraryImport(Library)]
    public static partial void rbd_snap_list_end(SnapInfo* snapshots);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rbd_snap_create(RbdImageHandle image, string name);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rbd_snap_remove2(RbdImageHandle image, string name, uint flags, delegate* unmanaged<ulong, ulong, nint, int> progress, nint state);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rbd_snap_rollback_with_progress(RbdImageHandle image, string name, delegate* unmanaged<ulong, ulong, nint, int> progress, nint state);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rbd_snap_protect(RbdImageHandle image, string name);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rbd_snap_is_protected(RbdImageHandle image, string name, out int isProtected);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rbd_diff_iterate2(RbdImageHandle image, string? fromSnapshot, ulong offset, ulong length, byte includeParent, byte wholeObject,
        delegate* unmanaged<ulong, nuint, int, nint, int> callback, nint state);

    [LibraryImport(Library)]
    public static partial int rbd_aio_create_completion(nint state, delegate* unmanaged<nint, nint, void> callback, out nint completion);

    [LibraryImport(Library)]
    public static partial nint rbd_aio_get_return_value(nint completion);

    [LibraryImport(Library)]
    public static partial void rbd_aio_release(nint completion);

    [LibraryImport(Library)]
    public static partial int rbd_aio_read2(RbdImageHandle image, ulong offset, nuint length, byte* buffer, nint completion, int opFlags);

    [LibraryImport(Library)]
    public static partial int rbd_aio_write2(RbdImageHandle image, ulong offset, nuint length, byte* buffer, nint completion, int opFlags);

    [LibraryImport(Library)]
    public static partial int rbd_aio_write_zeroes(RbdImageHandle image, ulong offset, nuint length, nint completion, int zeroFlags, int opFlags);

    [LibraryImport(Library)]
    public static partial int rbd_aio_flush(RbdImageHandle image, nint completion);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rbd_namespace_exists(RadosIoContextHandle ioctx, string name, [MarshalAs(UnmanagedType.U1)] out bool exists);
}
