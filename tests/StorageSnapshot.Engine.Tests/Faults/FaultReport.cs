using Xunit.Abstractions;

namespace StorageSnapshot.Engine.Tests.Faults;

/// <summary>Prints a tally where CI shows it: the test's output and the test process's standard output.</summary>
internal static class FaultReport
{
    public static void Print(ITestOutputHelper output, FaultTally tally)
    {
        var summary = tally.Summary();
        output.WriteLine(summary);
        Console.Out.WriteLine(summary);
    }
}
