using StorageSnapshot.TestCommand.Tests.Infrastructure;

namespace StorageSnapshot.TestCommand.Tests;

/// <summary>
/// tests/summarise-results.sh, the judge behind run.sh's last line "N passed, N failed, N skipped": it sums what
/// ran, and counts as failed every way a suite can fail to run — which the line used to hide (issue 17).
/// </summary>
public sealed class SummaryLineTests : IDisposable
{
    private const string Engine = "StorageSnapshot.Engine.Tests";
    private const string Module = "StorageSnapshot.Module.Tests";
    private const string Pester = "Pester";
    private readonly ResultsFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Every_suite_that_ran_is_summed_and_the_last_line_has_the_exact_form()
    {
        folder.Floors((Engine, 4), (Module, 3), (Pester, 2))
            .XunitFixture(Engine, 0, "three-passed-one-skipped.trx")
            .Xunit(Module, 0, Trx.Passed(3))
            .Pester(Pester, 0, "passed 2\nfailed 0\nskipped 1\nskip Importing the module.older Newtonsoft\n");

        var summary = folder.Summarise();

        Assert.True(summary.ExitCode == 0, summary.Text);
        Assert.Equal("8 passed, 0 failed, 2 skipped", summary.LastLine);
        Assert.Contains($"{Engine}: 3 passed, 0 failed, 1 skipped (floor 4)", summary.Lines);
        Assert.DoesNotContain(summary.Lines, l => l.StartsWith("FAILED", StringComparison.Ordinal));
    }

    [Fact]
    public void A_required_suite_that_left_no_results_counts_as_one_failure_naming_it()
    {
        // The Pester suite when pwsh is missing: it used to print "pwsh not found" and count nothing.
        folder.Floors((Engine, 3), (Pester, 40)).Xunit(Engine, 0, Trx.Passed(3));

        var summary = folder.Summarise();

        Assert.Equal(1, summary.ExitCode);
        Assert.Equal("3 passed, 1 failed, 0 skipped", summary.LastLine);
        Assert.Contains("FAILED Pester: did not run (no results)", summary.Lines);
    }

    [Fact]
    public void A_suite_whose_runner_never_returned_did_not_run()
    {
        folder.Floors((Engine, 3)).Suite(Engine, exitCode: null);

        var summary = folder.Summarise();

        Assert.Equal("0 passed, 1 failed, 0 skipped", summary.LastLine);
        Assert.Contains($"FAILED {Engine}: did not run (no results)", summary.Lines);
    }

    [Fact]
    public void A_test_host_that_crashed_counts_as_one_failure_naming_the_suite()
    {
        // A real TRX of a host killed by Environment.FailFast: every counter 0, the run Failed, exit code 1.
        // It used to add up to "0 passed, 0 failed, 0 skipped".
        folder.Floors((Engine, 0)).XunitFixture(Engine, 1, "host-crashed.trx");

        var summary = folder.Summarise();

        Assert.Equal(1, summary.ExitCode);
        Assert.Equal("0 passed, 1 failed, 0 skipped", summary.LastLine);
        Assert.Contains(summary.Lines, l => l.StartsWith($"FAILED {Engine}: run outcome 'Failed' with no failed test", StringComparison.Ordinal));
    }

    [Fact]
    public void A_non_zero_runner_exit_with_every_test_passed_counts_as_one_failure()
    {
        folder.Floors((Engine, 3)).Xunit(Engine, 1, Trx.Passed(3));

        var summary = folder.Summarise();

        Assert.Equal(1, summary.ExitCode);
        Assert.Equal("3 passed, 1 failed, 0 skipped", summary.LastLine);
        Assert.Contains($"FAILED {Engine}: the runner exited with code 1 and reported no failed test", summary.Lines);
    }

    [Fact]
    public void A_non_zero_runner_exit_with_failures_adds_nothing_more()
    {
        folder.Floors((Engine, 3), (Pester, 3))
            .Xunit(Engine, 1, Trx.Of(total: 3, executed: 3, passed: 1, failed: 2, outcome: "Failed", failedTests: ["Inventory.One", "Inventory.Two"]))
            .Pester(Pester, 1, "passed 2\nfailed 1\nskipped 0\nfail Pipelines.clones\n");

        var summary = folder.Summarise();

        Assert.Equal("3 passed, 3 failed, 0 skipped", summary.LastLine);
        Assert.Contains("FAILED Pester: Pipelines.clones", summary.Lines); // each failed test is named
        Assert.Contains($"FAILED {Engine}: Inventory.Two", summary.Lines);
    }

    [Fact]
    public void Each_failed_xunit_test_is_followed_by_the_first_line_of_its_failure_message()
    {
        folder.Floors((Engine, 3), (Pester, 1))
            .Xunit(Engine, 1, Trx.Of(total: 3, executed: 3, passed: 1, failed: 2, outcome: "Failed", failedTests: ["Inventory.One", "Inventory.Two"]))
            .Pester(Pester, 0, "passed 1\nfailed 0\nskipped 0\n");

        var summary = folder.Summarise();

        var lines = summary.Lines.ToList();
        var two = lines.IndexOf($"FAILED {Engine}: Inventory.Two");
        Assert.True(two >= 0, string.Join("\n", lines));
        Assert.Equal("  because: Assert.Equal() Failure: Inventory.Two <differs>", lines[two + 1]); // decoded, second line left out
        Assert.Equal("  because: Assert.Equal() Failure: Inventory.One <differs>", lines[lines.IndexOf($"FAILED {Engine}: Inventory.One") + 1]);
        Assert.Equal("2 passed, 2 failed, 0 skipped", summary.LastLine);
    }

    [Fact]
    public void Each_failed_pester_test_is_followed_by_the_reason_its_counts_file_gives()
    {
        folder.Floors((Engine, 1), (Pester, 3))
            .Xunit(Engine, 0, Trx.Passed(1))
            .Pester(Pester, 1, "passed 1\nfailed 2\nskipped 0\nfail Pipelines.clones\nbecause Expected 2, but got 1.\nfail Pipelines.removes (block)\n");

        var summary = folder.Summarise();

        var lines = summary.Lines.ToList();
        Assert.Equal("  because: Expected 2, but got 1.", lines[lines.IndexOf("FAILED Pester: Pipelines.clones") + 1]);
        var block = lines.IndexOf("FAILED Pester: Pipelines.removes (block)");
        Assert.True(block >= 0 && (block + 1 == lines.Count || !lines[block + 1].StartsWith("  because:", StringComparison.Ordinal)), string.Join("\n", lines));
        Assert.Equal("2 passed, 2 failed, 0 skipped", summary.LastLine);
    }

    [Theory]
    [InlineData("aborted")]
    [InlineData("notExecuted")]
    [InlineData("disconnected")]
    [InlineData("error")]
    [InlineData("timeout")]
    [InlineData("notRunnable")]
    public void Trx_counters_of_tests_that_did_not_complete_count_as_failed(string counter)
    {
        // The run says Completed and the runner exit code is 0: only the counter tells.
        folder.Floors((Engine, 5)).Xunit(Engine, 0, Trx.Of(total: 5, executed: 3, passed: 3, counters: new Dictionary<string, int> { [counter] = 2 }));

        var summary = folder.Summarise();

        Assert.Equal(1, summary.ExitCode);
        Assert.StartsWith("3 passed, 2 failed, ", summary.LastLine, StringComparison.Ordinal);
        Assert.Contains($"FAILED {Engine}: 2 {counter}", summary.Lines);
    }

    [Fact]
    public void A_suite_reporting_fewer_tests_than_its_floor_fails()
    {
        folder.Floors((Engine, 340)).Xunit(Engine, 0, Trx.Passed(12));

        var summary = folder.Summarise();

        Assert.Equal(1, summary.ExitCode);
        Assert.Equal("12 passed, 1 failed, 0 skipped", summary.LastLine);
        Assert.Contains($"FAILED {Engine}: it reported 12 tests, fewer than its floor of 340", summary.Lines);
    }

    [Fact]
    public void Skipped_tests_count_towards_the_floor_outside_ci()
    {
        folder.Floors((Engine, 5)).Xunit(Engine, 0, Trx.Of(total: 5, executed: 3, passed: 3, skippedTests: ["A.One", "A.Two"]));

        var summary = folder.Summarise();

        Assert.True(summary.ExitCode == 0, summary.Text);
        Assert.Equal("3 passed, 0 failed, 2 skipped", summary.LastLine);
    }

    [Fact]
    public void A_suite_that_ran_without_a_floor_fails_until_one_is_added()
    {
        folder.Floors((Engine, 3)).Xunit(Engine, 0, Trx.Passed(3)).Xunit("StorageSnapshot.New.Tests", 0, Trx.Passed(7));

        var summary = folder.Summarise();

        Assert.Equal("10 passed, 1 failed, 0 skipped", summary.LastLine);
        Assert.Contains(summary.Lines, l => l.StartsWith("FAILED StorageSnapshot.New.Tests: it has no floor", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_a_floors_file_nothing_can_pass()
    {
        folder.Xunit(Engine, 0, Trx.Passed(3));

        var summary = folder.Summarise();

        Assert.Equal(1, summary.ExitCode);
        Assert.Contains(summary.Lines, l => l.StartsWith("FAILED the floors file", StringComparison.Ordinal));
    }

    [Fact]
    public void Under_required_an_xunit_skip_is_a_failure_naming_the_test()
    {
        folder.Floors((Engine, 5)).Xunit(Engine, 0, Trx.Of(total: 5, executed: 3, passed: 3, skippedTests: ["Drivers.OnXfs.Snapshots", "Drivers.OnBtrfs.Clones"]));

        var summary = folder.Summarise(required: true);

        Assert.Equal(1, summary.ExitCode);
        Assert.Equal("3 passed, 2 failed, 0 skipped", summary.LastLine);
        Assert.Contains($"FAILED {Engine}: 2 skipped with STORAGESNAPSHOT_INTEGRATION=required: Drivers.OnXfs.Snapshots Drivers.OnBtrfs.Clones", summary.Lines);
    }

    [Fact]
    public void Under_required_a_pester_skip_is_a_failure_naming_the_test()
    {
        // The -Skip of the older-Newtonsoft test used to pass CI silently.
        folder.Floors((Pester, 3)).Pester(Pester, 0, "passed 2\nfailed 0\nskipped 1\nskip Importing the module.imports beside an older Newtonsoft.Json\n");

        var summary = folder.Summarise(required: true);

        Assert.Equal(1, summary.ExitCode);
        Assert.Equal("2 passed, 1 failed, 0 skipped", summary.LastLine);
        Assert.Contains("FAILED Pester: 1 skipped with STORAGESNAPSHOT_INTEGRATION=required: Importing the module.imports beside an older Newtonsoft.Json", summary.Lines);
    }

    [Fact]
    public void A_pester_run_that_wrote_no_counts_fails()
    {
        // pwsh started but died before Invoke-Pester.ps1 wrote its counts (e.g. Pester could not be imported).
        folder.Floors((Pester, 3)).Suite(Pester, exitCode: 1);

        var summary = folder.Summarise();

        Assert.Equal("0 passed, 1 failed, 0 skipped", summary.LastLine);
        Assert.Contains("FAILED Pester: no results (no .trx, no counts)", summary.Lines);
    }

    [Fact]
    public void A_truncated_counts_file_fails()
    {
        folder.Floors((Pester, 0)).Pester(Pester, 0, "passed 4\n");

        var summary = folder.Summarise();

        Assert.Equal(1, summary.ExitCode);
        Assert.Contains("FAILED Pester: its counts file is incomplete", summary.Lines);
    }

    [Fact]
    public void A_partial_run_does_not_check_floors_but_still_fails_a_suite_that_did_not_run()
    {
        folder.Floors((Engine, 340), (Pester, 40)).Xunit(Engine, 0, Trx.Passed(12));

        var summary = folder.Summarise(partial: true);

        Assert.Equal("12 passed, 1 failed, 0 skipped", summary.LastLine);
        Assert.Contains("FAILED Pester: did not run (no results)", summary.Lines);
        Assert.DoesNotContain(summary.Lines, l => l.Contains("floor of", StringComparison.Ordinal));
    }

    [Fact]
    public void The_repository_floors_name_every_suite_run_sh_runs()
    {
        // run.sh runs every test project under tests/ and the Pester suite; each must have a floor.
        var floors = File.ReadAllLines(Path.Combine(ResultsFolder.RepositoryRoot, "tests", "expected-test-floors.txt"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToDictionary(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], l => int.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture));
        var testProjects = Directory.GetFiles(Path.Combine(ResultsFolder.RepositoryRoot, "tests"), "*.csproj", SearchOption.AllDirectories)
            .Where(p => File.ReadAllText(p).Contains("Microsoft.NET.Test.Sdk", StringComparison.Ordinal))
            .Select(Path.GetFileNameWithoutExtension);
        foreach (var suite in testProjects.Append(Pester)) Assert.True(floors.TryGetValue(suite!, out var floor) && floor > 0, $"no floor for {suite}");
    }
}
