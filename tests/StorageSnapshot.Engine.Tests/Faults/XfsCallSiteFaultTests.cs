using StorageSnapshot.Engine.Tests.Infrastructure;
using Xunit.Abstractions;

namespace StorageSnapshot.Engine.Tests.Faults;

/// <summary>
/// The call-site suite where the directory driver reports changed ranges (XFS with reflinks, on a loop device): an
/// incremental copy there calls Backend.GetChangedRanges and re-reads a sample of the chunks it says are unchanged,
/// call sites the ordinary filesystem of the other suite never reaches.
/// </summary>
public sealed class XfsCallSiteFaultTests : IClassFixture<XfsLoopFixture>
{
    private readonly XfsLoopFixture xfs;
    private readonly ITestOutputHelper output;

    public XfsCallSiteFaultTests(XfsLoopFixture xfs, ITestOutputHelper output)
    {
        this.xfs = xfs;
        this.output = output;
    }

    [IntegrationFact(needsRoot: true, "losetup", "mkfs.xfs")]
    public async Task Every_call_site_of_an_incremental_copy_with_changed_ranges_survives_an_exception_a_hang_and_a_kill()
    {
        var tally = new FaultTally("an exception, a hang and a kill at every call site of an incremental copy on XFS");
        var runner = new CallSiteRunner(FaultCases.All.Single(c => c.Name == "incremental copy"), tally, xfs.Filesystem.CreateDirectory("faults"));
        await runner.RunAsync();
        FaultReport.Print(output, tally);
        Assert.Contains("Backend.GetChangedRanges", runner.Sites);
        Assert.True(tally.Violations.Count == 0, $"{tally.Violations.Count} invariant violation(s):\n{string.Join("\n", tally.Violations.Take(50))}");
    }
}
