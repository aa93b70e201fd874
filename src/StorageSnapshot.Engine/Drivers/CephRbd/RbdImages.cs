using System.Runtime.InteropServices;
using StorageSnapshot.Engine.Drivers.CephRbd.Native;

namespace StorageSnapshot.Engine.Drivers.CephRbd;

/// <summary>Blocking look-ups on images and their snapshots (called inside <see cref="BlockingCall"/>).</summary>
internal static unsafe class RbdImages
{
    /// <summary>One snapshot of an image, as rbd_snap_list reports it (user snapshots only).</summary>
    public readonly record struct SnapshotEntry(ulong Id, string Name, long SizeBytes);

    /// <summary>The image names of the pool and namespace.</summary>
    public static List<string> List(CephSession session)
    {
        nuint count = 64;
        while (true)
        {
            var specs = new Librbd.ImageSpec[(int)count];
            fixed (Librbd.ImageSpec* s = specs)
            {
                var result = Librbd.rbd_list2(session.Pool, s, ref count);
                if (result == -CephError.ERANGE && count > (nuint)specs.Length) continue;
                CephError.Check(result, "rbd_list2", $"list the images of {session.Settings.LocationPrefix}", session.Settings.User);
                try
                {
                    var names = new List<string>((int)count);
                    for (var i = 0; i < (int)count; i++) names.Add(Marshal.PtrToStringUTF8((nint)s[i].Name) ?? "");
                    return names;
                }
                finally
                {
                    Librbd.rbd_image_spec_list_cleanup(s, count);
                }
            }
        }
    }

    /// <summary>The image's user snapshots (snapshots kept in the trash for clone-v2 children are not listed).</summary>
    public static List<SnapshotEntry> Snapshots(RbdImageHandle image, string what, string user)
    {
        var count = 16;
        while (true)
        {
            // rbd_snap_list writes count + 1 entries (the last one a terminator).
            var entries = new Librbd.SnapInfo[count + 1];
            fixed (Librbd.SnapInfo* e = entries)
            {
                var result = Librbd.rbd_snap_list(image, e, ref count);
                if (result == -CephError.ERANGE) continue;
                CephError.Check(result, "rbd_snap_list", what, user);
                try
                {
                    var list = new List<SnapshotEntry>(result);
                    for (var i = 0; i < result; i++) list.Add(new SnapshotEntry(e[i].Id, Marshal.PtrToStringUTF8((nint)e[i].Name) ?? "", (long)e[i].Size));
                    return list;
                }
                finally
                {
                    Librbd.rbd_snap_list_end(e);
                }
            }
        }
    }

    public static long Size(RbdImageHandle image, string what, string user)
    {
        CephError.Check(Librbd.rbd_get_size(image, out var size), "rbd_get_size", what, user);
        return (long)size;
    }
}
