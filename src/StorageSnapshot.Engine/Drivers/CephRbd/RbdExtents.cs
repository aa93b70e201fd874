using System.Runtime.InteropServices;
using StorageSnapshot.Engine.Drivers.CephRbd.Native;

namespace StorageSnapshot.Engine.Drivers.CephRbd;

/// <summary>
/// Which byte ranges of an image hold data, or changed between two snapshots, from rbd_diff_iterate2. Exact to
/// the byte ranges written (the OSDs keep, per object, which ranges each snapshot's clone shares): a 4 KiB write
/// is reported as 4 KiB. With the fast-diff feature (a default image feature), the object map first says which
/// objects changed at all — without asking the OSDs — and only those are asked for their exact extents, so a small
/// change in a large image costs a few requests, not one per object.
/// </summary>
internal static unsafe class RbdExtents
{
    /// <summary>
    /// Ranges of the image open at <paramref name="image"/> that may hold data (whole objects where the object map
    /// can tell, which is plenty for reading), including what a clone reads from its parent.
    /// </summary>
    public static List<ByteRange> Allocated(RbdImageHandle image, ulong size, string what, string user, BlockingCall.Progress progress, CancellationToken cancellationToken)
    {
        var wholeObjects = FastDiffUsable(image);
        return Sorted(Iterate(image, null, 0, size, includeParent: true, wholeObjects, dataOnly: true, what, user, progress, cancellationToken));
    }

    /// <summary>
    /// Ranges that differ between snapshot <paramref name="fromSnapshot"/> and the snapshot the image is open at,
    /// written or discarded: both count as changed.
    /// </summary>
    public static List<ByteRange> Changed(RbdImageHandle image, string fromSnapshot, ulong size, string what, string user, BlockingCall.Progress progress, CancellationToken cancellationToken)
    {
        if (!FastDiffUsable(image))
            return Sorted(Iterate(image, fromSnapshot, 0, size, includeParent: false, wholeObjects: false, dataOnly: false, what, user, progress, cancellationToken));

        var objects = Sorted(Iterate(image, fromSnapshot, 0, size, includeParent: false, wholeObjects: true, dataOnly: false, what, user, progress, cancellationToken));
        var exact = new List<ByteRange>();
        foreach (var range in objects)
            exact.AddRange(Iterate(image, fromSnapshot, (ulong)range.Offset, (ulong)range.Length, includeParent: false, wholeObjects: false, dataOnly: false, what, user, progress, cancellationToken));
        return Sorted(exact);
    }

    /// <summary>True when the object map can answer: fast-diff enabled and not flagged invalid.</summary>
    private static bool FastDiffUsable(RbdImageHandle image) =>
        Librbd.rbd_get_features(image, out var features) == 0 && (features & Librbd.FeatureFastDiff) != 0
        && Librbd.rbd_get_flags(image, out var flags) == 0 && (flags & Librbd.FlagFastDiffInvalid) == 0;

    private static List<ByteRange> Iterate(RbdImageHandle image, string? fromSnapshot, ulong offset, ulong length, bool includeParent, bool wholeObjects, bool dataOnly,
        string what, string user, BlockingCall.Progress progress, CancellationToken cancellationToken)
    {
        var collector = new DiffCollector(dataOnly, progress, cancellationToken);
        var handle = GCHandle.Alloc(collector);
        try
        {
            var result = Librbd.rbd_diff_iterate2(image, fromSnapshot, offset, length, includeParent ? (byte)1 : (byte)0, wholeObjects ? (byte)1 : (byte)0,
                DiffCollector.Pointer, GCHandle.ToIntPtr(handle));
            if (result == -CephError.ECANCELED && cancellationToken.IsCancellationRequested) cancellationToken.ThrowIfCancellationRequested();
            CephError.Check(result, "rbd_diff_iterate2", what, user);
        }
        finally
        {
            handle.Free();
        }
        return collector.Extents;
    }

    /// <summary>Sorted, with overlapping and touching ranges merged.</summary>
    public static List<ByteRange> Sorted(List<ByteRange> ranges)
    {
        ranges.Sort((a, b) => a.Offset.CompareTo(b.Offset));
        var merged = new List<ByteRange>(ranges.Count);
        foreach (var range in ranges)
        {
            if (merged.Count > 0 && merged[^1].End >= range.Offset)
            {
                var last = merged[^1];
                merged[^1] = new ByteRange(last.Offset, Math.Max(last.End, range.End) - last.Offset);
            }
            else
            {
                merged.Add(range);
            }
        }
        return merged;
    }
}
