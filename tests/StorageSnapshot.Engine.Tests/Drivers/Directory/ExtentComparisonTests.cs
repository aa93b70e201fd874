using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Drivers.Directory;
using StorageSnapshot.Engine.Platform.Linux;

namespace StorageSnapshot.Engine.Tests.Drivers.Directory;

/// <summary>
/// The extent-map comparison on hand-made maps, for the cases a real filesystem rarely produces on demand
/// (delalloc, encoded, unwritten, differing lengths). The real-filesystem path is covered by the contract suite
/// on XFS and btrfs.
/// </summary>
public sealed class ExtentComparisonTests
{
    private const long MiB = 1 << 20;

    private static FileExtent Extent(long logical, long physical, long length, FileExtentFlags flags = FileExtentFlags.None) =>
        new(logical, physical, length, flags);

    [Fact]
    public void SharedExtentsAreUnchangedAndRewrittenOnesChanged()
    {
        var older = new[] { Extent(0, 100 * MiB, 4 * MiB) };
        var newer = new[] { Extent(0, 100 * MiB, MiB), Extent(MiB, 900 * MiB, 4096), Extent(MiB + 4096, 100 * MiB + MiB + 4096, 3 * MiB - 4096) };

        var changed = ExtentComparison.ChangedRanges(older, 4 * MiB, newer, 4 * MiB);

        Assert.Equal(new[] { new ByteRange(MiB, 4096) }, changed);
    }

    [Fact]
    public void SameDataAtAnotherPhysicalOffsetIsChanged()
    {
        var older = new[] { Extent(0, 100 * MiB, 2 * MiB) };
        var newer = new[] { Extent(0, 100 * MiB + 4096, 2 * MiB) };

        Assert.Equal(new[] { new ByteRange(0, 2 * MiB) }, ExtentComparison.ChangedRanges(older, 2 * MiB, newer, 2 * MiB));
    }

    [Fact]
    public void HolesAndUnwrittenExtentsReadAsZerosOnBothSides()
    {
        var older = new[] { Extent(MiB, 50 * MiB, MiB, FileExtentFlags.Unwritten) };
        var newer = new[] { Extent(3 * MiB, 70 * MiB, MiB) };

        var changed = ExtentComparison.ChangedRanges(older, 4 * MiB, newer, 4 * MiB);

        Assert.Equal(new[] { new ByteRange(3 * MiB, MiB) }, changed);
    }

    [Theory]
    [InlineData(0x4)] // delalloc
    [InlineData(0x2)] // unknown
    [InlineData(0x8)] // encoded
    [InlineData(0x200)] // inline
    [InlineData(0x100)] // not aligned
    public void UncertainExtentsCountAsChangedEvenAtTheSameAddress(uint flagValue)
    {
        var flag = (FileExtentFlags)flagValue;
        var older = new[] { Extent(0, 10 * MiB, MiB) };
        var newer = new[] { Extent(0, 10 * MiB, MiB, flag | FileExtentFlags.Last) };

        Assert.Equal(new[] { new ByteRange(0, MiB) }, ExtentComparison.ChangedRanges(older, MiB, newer, MiB));
    }

    [Fact]
    public void BytesBeyondTheShorterFileAreChangedAndAdjacentRangesMerge()
    {
        var older = new[] { Extent(0, 10 * MiB, 2 * MiB) };
        var newer = new[] { Extent(0, 10 * MiB, MiB), Extent(MiB, 20 * MiB, MiB), Extent(2 * MiB, 30 * MiB, MiB) };

        var changed = ExtentComparison.ChangedRanges(older, 2 * MiB, newer, 3 * MiB + 5);

        Assert.Equal(new[] { new ByteRange(MiB, 2 * MiB + 5) }, changed);
    }

    [Fact]
    public void ExtentsPastTheEndOfFileAreIgnored()
    {
        var older = new[] { Extent(0, 10 * MiB, 8 * MiB) };
        var newer = new[] { Extent(0, 10 * MiB, 4 * MiB), Extent(4 * MiB, 99 * MiB, 4 * MiB) };

        Assert.Empty(ExtentComparison.ChangedRanges(older, 4 * MiB, newer, 4 * MiB));
    }
}
