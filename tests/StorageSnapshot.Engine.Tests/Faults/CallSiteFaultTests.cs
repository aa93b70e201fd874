using Xunit.Abstractions;

namespace StorageSnapshot.Engine.Tests.Faults;

/// <summary>
/// The fault suite, part one: an exception, a hang past the caller's timeout and SIGKILL at every call the engine
/// makes into the driver and the repository, for every operation kind, and again at every call of the
/// compensation a first fault sets going (see <see cref="CallSiteRunner"/>); each run checked by
/// <see cref="InvariantChecker"/>. The counts are printed at the end (runs, faults, violations: 0).
/// </summary>
public sealed class CallSiteFaultTests
{
    private readonly ITestOutputHelper output;

    public CallSiteFaultTests(ITestOutputHelper output)
    {
        this.output = output;
    }

    [Fact]
    public async Task Every_call_site_of_every_operation_survives_an_exception_a_hang_and_a_kill_with_every_invariant_kept()
    {
        var tally = new FaultTally("an exception, a hang and a kill at every call site");
        // STORAGESNAPSHOT_FAULT_CASES=copy,revert runs only the cases whose names contain one of the words (to replay one).
        var only = Environment.GetEnvironmentVariable("STORAGESNAPSHOT_FAULT_CASES")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var faultCase in FaultCases.All.Where(c => only is null || only.Any(o => c.Name.Contains(o, StringComparison.OrdinalIgnoreCase))))
        {
            await new CallSiteRunner(faultCase, tally).RunAsync();
        }
        FaultReport.Print(output, tally);
        Assert.True(tally.Violations.Count == 0, $"{tally.Violations.Count} invariant violation(s):\n{string.Join("\n", tally.Violations.Take(50))}");
    }
}
