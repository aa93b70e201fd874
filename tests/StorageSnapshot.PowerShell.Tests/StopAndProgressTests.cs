using System.Management.Automation;
using StorageSnapshot.PowerShell.Tests.Infrastructure;
using PS = System.Management.Automation.PowerShell;

namespace StorageSnapshot.PowerShell.Tests;

/// <summary>Ctrl+C during a copy, and the progress a copy shows, in a real runspace.</summary>
public sealed class StopAndProgressTests
{
    // 32 MiB of distinct 64 KiB chunks, each written and flushed on its own: long enough to be stopped half-way.
    private const string BigVolume = """
        $big = New-StorageVolume -Backend lab -Name big -SizeBytes 32MB
        $bytes = [byte[]]::new(32MB); [Random]::new(3).NextBytes($bytes); [IO.File]::WriteAllBytes($big.Location, $bytes)
        $bigSnapshot = New-StorageSnapshot -Volume big -Backend lab -Name before-stop
        """;

    [Fact]
    public void Ctrl_C_during_a_copy_leaves_an_OperationStopped_record_saying_what_was_kept_and_how_to_resume()
    {
        using var session = PowerShellSession.StartWithLab();
        session.Run(BigVolume).ThrowIfFailed();

        using var shell = PS.Create();
        shell.Runspace = session.Runspace;
        shell.AddScript("$bigSnapshot | Copy-SnapshotToSecondary -Destination nfs1");
        var chunks = Path.Combine(session.Root, "nfs1", "chunks");
        var running = shell.BeginInvoke();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!running.IsCompleted && Directory.EnumerateFiles(chunks, "*", SearchOption.AllDirectories).Count() < 40 && waited.Elapsed < TimeSpan.FromSeconds(60))
            Thread.Sleep(5);
        shell.Stop();
        Assert.Throws<PipelineStoppedException>(() => shell.EndInvoke(running));

        var error = session.Run("$Error[0]").Output.Single().BaseObject as ErrorRecord;
        Assert.NotNull(error);
        Assert.Equal("OperationStopped,StorageSnapshot.Commands.CopySnapshotToSecondaryCommand", error!.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.OperationStopped, error.CategoryInfo.Category);
        Assert.Matches(@"Kept on 'nfs1': \d+ chunk\(s\), \d+ bytes", error.ToString());
        Assert.Contains("Copy-SnapshotToSecondary again", error.ErrorDetails.RecommendedAction);

        var failed = session.Run("Get-SnapshotCopy before-stop").ThrowIfFailed().Output.Single();
        Assert.Equal("Failed", failed.Properties["State"].Value.ToString());
        Assert.True((long)failed.Properties["BytesWritten"].Value > 0);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(session.Root, "nfs1", "tmp")));

        var resumed = session.Run("$bigSnapshot | Copy-SnapshotToSecondary -Destination nfs1").ThrowIfFailed().Output.Single();
        Assert.Equal("Copied", resumed.Properties["State"].Value.ToString());
        Assert.Equal(failed.Properties["Id"].Value, resumed.Properties["Id"].Value);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(session.Root, "nfs1", "tmp")));
    }

    [Fact]
    public void A_copy_shows_the_destination_percent_bytes_throughput_and_time_left_under_an_overall_bar()
    {
        using var session = PowerShellSession.StartWithLab();
        session.Run(BigVolume.Replace("32MB", "64MB", StringComparison.Ordinal) + "\n$null = New-StorageSnapshot -Volume big -Backend lab -Name second").ThrowIfFailed();
        var result = session.Run("Get-StorageSnapshot -Volume big | Copy-SnapshotToSecondary -Destination nfs1").ThrowIfFailed();

        Assert.Equal(2, result.Output.Count);
        var overall = result.Progress.Where(p => p.ActivityId == 0).ToArray();
        Assert.Contains(overall, p => p.StatusDescription.StartsWith("Snapshot 1 of 2", StringComparison.Ordinal));
        Assert.Contains(overall, p => p.StatusDescription.StartsWith("Snapshot 2 of 2", StringComparison.Ordinal));
        Assert.Equal(ProgressRecordType.Completed, overall[^1].RecordType);
        var copy = result.Progress.Where(p => p.ActivityId != 0 && p.RecordType == ProgressRecordType.Processing).ToArray();
        Assert.NotEmpty(copy);
        Assert.All(copy, p => Assert.Equal(0, p.ParentActivityId));
        Assert.All(copy, p => Assert.EndsWith(" to nfs1", p.Activity));
        Assert.Contains(copy, p => p.PercentComplete is > 0 and < 100 && p.SecondsRemaining >= 0);
        Assert.Contains(copy, p => System.Text.RegularExpressions.Regex.IsMatch(p.StatusDescription, @"^\d+(\.\d)? (KiB|MiB) of 64 MiB \(\d+%\), \d+(\.\d)? (KiB|MiB|GiB)/s$"));
    }
}
