using StorageSnapshot.Engine.Platform.Linux;

namespace StorageSnapshot.Engine.Drivers.Directory;

/// <summary>
/// Changed ranges between two reflinked files from their extent maps alone. A range is unchanged only where
/// both files provably hold the same bytes: both map it to the same physical address (a shared extent), or both
/// read it as zeros (a hole or an unwritten extent). Anything else — different addresses, an extent whose
/// address is not final (delalloc, unknown), data stored transformed (encoded, encrypted, inline, tail), or
/// bytes beyond the shorter file — counts as changed, so a change is never missed.
/// </summary>
internal static class ExtentComparison
{
    private const FileExtentFlags Uncertain = FileExtentFlags.Unknown | FileExtentFlags.Delalloc | FileExtentFlags.Encoded
        | FileExtentFlags.DataEncrypted | FileExtentFlags.NotAligned | FileExtentFlags.DataInline | FileExtentFlags.DataTail;

    /// <summary>Sorted, merged, non-overlapping ranges that may differ.</summary>
    public static IReadOnlyList<ByteRange> ChangedRanges(
        IReadOnlyList<FileExtent> older, long olderLength, IReadOnlyList<FileExtent> newer, long newerLength)
    {
        var end = Math.Max(olderLength, newerLength);
        var common = Math.Min(olderLength, newerLength);
        var boundaries = new List<long>(2 * (older.Count + newer.Count) + 3) { 0, common, end };
        foreach (var e in older.Concat(newer))
        {
            if (e.Logical < end) boundaries.Add(Math.Max(0, e.Logical));
            if (e.End < end) boundaries.Add(e.End);
        }
        boundaries.Sort();

        var changed = new List<ByteRange>();
        int olderIndex = 0, newerIndex = 0;
        for (var i = 0; i + 1 < boundaries.Count; i++)
        {
            long start = boundaries[i], stop = boundaries[i + 1];
            if (start == stop) continue;
            var same = start < common
                && Equivalent(At(older, ref olderIndex, start), At(newer, ref newerIndex, start), start);
            if (!same) Append(changed, start, stop);
        }
        return changed;
    }

    // Extent lists are sorted and non-overlapping and positions only grow, so one forward cursor per list suffices.
    private static FileExtent? At(IReadOnlyList<FileExtent> extents, ref int index, long position)
    {
        while (index < extents.Count && extents[index].End <= position) index++;
        return index < extents.Count && extents[index].Logical <= position ? extents[index] : null;
    }

    private static bool Equivalent(FileExtent? a, FileExtent? b, long position)
    {
        if (a is { } x && (x.Flags & Uncertain) != 0) return false;
        if (b is { } y && (y.Flags & Uncertain) != 0) return false;
        var aZero = a is null || a.Value.Flags.HasFlag(FileExtentFlags.Unwritten);
        var bZero = b is null || b.Value.Flags.HasFlag(FileExtentFlags.Unwritten);
        if (aZero || bZero) return aZero && bZero;
        return a!.Value.Physical + (position - a.Value.Logical) == b!.Value.Physical + (position - b.Value.Logical);
    }

    private static void Append(List<ByteRange> ranges, long start, long stop)
    {
        if (ranges.Count > 0 && ranges[^1].End == start)
            ranges[^1] = new ByteRange(ranges[^1].Offset, stop - ranges[^1].Offset);
        else
            ranges.Add(new ByteRange(start, stop - start));
    }
}
