namespace StorageSnapshot.TestCommand.Tests.Infrastructure;

/// <summary>
/// TRX text as `dotnet test --logger trx` writes it (the shape of the files in Fixtures/): the ResultSummary with
/// its outcome and Counters, one UnitTestResult per skipped test (outcome NotExecuted, as xunit's skips are) and
/// one per failed test (outcome Failed).
/// </summary>
public static class Trx
{
    public static string Of(int total, int executed, int passed, int failed = 0, string outcome = "Completed",
        IReadOnlyDictionary<string, int>? counters = null, IReadOnlyList<string>? failedTests = null, params string[] skippedTests)
    {
        string Counter(string name) => counters is not null && counters.TryGetValue(name, out var n) ? n.ToString() : "0";
        var results = skippedTests.Select(name => (Name: name, Outcome: "NotExecuted"))
            .Concat((failedTests ?? []).Select(name => (Name: name, Outcome: "Failed")));
        var skipped = string.Concat(results.Select(test =>
            $"""
                <UnitTestResult executionId="{Guid.NewGuid()}" testId="{Guid.NewGuid()}" testName="{test.Name}" computerName="vm" duration="00:00:00.0010000" startTime="2026-12-03T17:38:56.0000000+00:00" endTime="2026-12-03T17:38:56.0000000+00:00" testType="13cdc9d9-ddb5-4fa4-a97d-d965ccfc6d4b" outcome="{test.Outcome}" testListId="8c84fa94-04c1-424b-9868-57a2d4851a1d" relativeResultsDirectory="x">
                  <Output><ErrorInfo><Message>{(test.Outcome == "Failed" ? $"Assert.Equal() Failure: {test.Name} &lt;differs&gt;&#xD;\nExpected: 1" : "needs root")}</Message></ErrorInfo></Output>
                </UnitTestResult>

            """));
        return $"""
            <?xml version="1.0" encoding="utf-8"?>
            <TestRun id="{Guid.NewGuid()}" name="@vm 2026-12-03 17:38:56" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
              <Results>
            {skipped}  </Results>
              <ResultSummary outcome="{outcome}">
                <Counters total="{total}" executed="{executed}" passed="{passed}" failed="{failed}" error="{Counter("error")}" timeout="{Counter("timeout")}" aborted="{Counter("aborted")}" inconclusive="0" passedButRunAborted="{Counter("passedButRunAborted")}" notRunnable="{Counter("notRunnable")}" notExecuted="{Counter("notExecuted")}" disconnected="{Counter("disconnected")}" warning="0" completed="0" inProgress="0" pending="0" />
              </ResultSummary>
            </TestRun>
            """;
    }

    public static string Passed(int count) => Of(count, count, count);
}
