using System.Diagnostics;
using StorageSnapshot.PowerShell.Tests.Infrastructure;

namespace StorageSnapshot.PowerShell.Tests;

/// <summary>
/// Get-StorageOperation, Repair-StorageOperation and Get-StorageEvent in a real runspace, after a real crash: a child
/// process (the test host) takes a snapshot of db01 through the engine and is SIGKILLed once the driver has made it,
/// before phase two records it — the journal entry is left Running, the snapshot Creating.
/// </summary>
public sealed class RepairCmdletTests
{
    [Fact]
    public void A_crashed_snapshot_is_listed_NeedsRecovery_repaired_forward_and_leaves_its_history_and_events()
    {
        using var session = PowerShellSession.StartWithLab();
        CrashWhileSnapshotting(session, "db01");

        var entry = Assert.Single(session.Run("Get-StorageOperation -State NeedsRecovery").ThrowIfFailed().Output);
        var id = (string)entry.Properties["Id"].Value;
        Assert.Equal("CreateSnapshot", entry.Properties["Kind"].Value.ToString());
        Assert.Equal(["Creating"], session.Strings("Get-StorageSnapshot held -Volume db01 | ForEach-Object State"));

        // -WhatIf changes nothing; -Verbose shows ShouldProcess's words: which way and why.
        session.Run("Repair-StorageOperation -All -WhatIf").ThrowIfFailed();
        Assert.Equal(["NeedsRecovery"], session.Strings($"Get-StorageOperation -Id {id} | ForEach-Object State"));

        var repaired = session.Run("Get-StorageOperation -State NeedsRecovery | Repair-StorageOperation -Verbose").ThrowIfFailed();
        var recovered = Assert.Single(repaired.Output);
        Assert.Equal("Recovered", recovered.Properties["State"].Value.ToString());
        Assert.Equal("RolledForward", recovered.Properties["Recovery"].Value.ToString());
        Assert.Contains(repaired.Verbose, v => v.Contains("Roll forward: record snapshot 'held' as Ready, because the driver holds the snapshot", StringComparison.Ordinal)
                                               && v.Contains(id, StringComparison.Ordinal));
        Assert.Equal(["Ready"], session.Strings("Get-StorageSnapshot held -Volume db01 | ForEach-Object State"));

        // Idempotent: the entry is written back as it is, without a question (-WhatIf would say "What if" otherwise).
        var again = session.Run($"Repair-StorageOperation -Id {id} -Verbose").ThrowIfFailed();
        Assert.Equal("Recovered", Assert.Single(again.Output).Properties["State"].Value.ToString());
        Assert.DoesNotContain(again.Verbose, v => v.StartsWith("Performing the operation", StringComparison.Ordinal));

        // The volume's history has it; the formatted table shows kind, target, state and what the repair did.
        var kinds = session.Strings("Get-StorageVolume db01 | Get-StorageOperation | ForEach-Object Kind");
        Assert.Equal(["CreateVolume", "CreateSnapshot", "CopyToSecondary", "CreateSnapshot"], kinds);
        var table = string.Join("\n", session.Strings($"Get-StorageOperation -Id {id} | Format-Table | Out-String -Width 200"));
        Assert.Contains("RolledForward: Record snapshot 'held' as Ready", table, StringComparison.Ordinal);
        Assert.Contains("db01", table, StringComparison.Ordinal);

        // The events: needs recovery, then recovered, with who recorded them.
        var events = session.Strings($"Get-StorageEvent -Kind OperationNeedsRecovery, OperationRecovered | Where-Object OperationId -eq '{id}' | ForEach-Object {{ '{{0}} {{1}} {{2}}' -f $_.Kind, $_.User, $_.Host }}");
        Assert.Equal([$"OperationNeedsRecovery {Environment.UserName} {Environment.MachineName}", $"OperationRecovered {Environment.UserName} {Environment.MachineName}"], events);

        // Nothing is left to repair.
        Assert.Empty(session.Run("Repair-StorageOperation -All").ThrowIfFailed().Output);
    }

    [Fact]
    public void Unknown_ids_and_entries_that_need_no_repair_are_errors_with_stable_ids()
    {
        using var session = PowerShellSession.StartWithLab();
        var unknown = session.Run("Get-StorageOperation -Id 01NOTANOPERATION");
        Assert.Equal(["OperationNotFound,StorageSnapshot.Commands.GetStorageOperationCommand"], unknown.ErrorIds);

        var missing = session.Run("Repair-StorageOperation -Id 01NOTANOPERATION");
        Assert.Equal(["OperationNotFound,StorageSnapshot.Commands.RepairStorageOperationCommand"], missing.ErrorIds);

        var done = session.Run("Get-StorageOperation -Kind CreateVolume -Last 1 | Repair-StorageOperation");
        Assert.Equal(["InvalidState,StorageSnapshot.Commands.RepairStorageOperationCommand"], done.ErrorIds);
        Assert.Contains("needs no repair", done.Errors[0].ToString(), StringComparison.Ordinal);

        var wrongTarget = session.Run("Get-StorageBackend lab | Get-StorageOperation");
        Assert.Empty(wrongTarget.Errors); // a backend is a valid target (its name); it simply has no entries of its own
        Assert.Equal(["InvalidArgument,StorageSnapshot.Commands.GetStorageOperationCommand"], session.Run("Get-StorageOperation -Target (Get-Date)").ErrorIds);
    }

    [Fact]
    public void Get_StorageEvent_filters_by_kind_target_backend_and_last_and_exports_to_csv()
    {
        using var session = PowerShellSession.StartWithLab();
        Assert.Equal(["SnapshotCreated"], session.Strings("Get-StorageEvent -Target $nightly | ForEach-Object Kind"));
        Assert.Equal(["1048576"], session.Strings("Get-StorageEvent -Kind SnapshotCreated -Backend lab | ForEach-Object Bytes"));
        Assert.Equal(["CopyCreated"], session.Strings("Get-StorageEvent -Last 1 | ForEach-Object Kind"));
        var csv = session.Strings("Get-StorageEvent | Export-Csv events.csv; (Import-Csv events.csv | Measure-Object).Count; (Import-Csv events.csv)[0].User");
        Assert.Equal(session.Strings("(Get-StorageEvent | Measure-Object).Count"), [csv[0]]);
        Assert.Equal(Environment.UserName, csv[1]);
    }

    /// <summary>Runs the test host's "hold-after-driver" scenario on the session's inventory and SIGKILLs it at READY.</summary>
    private static void CrashWhileSnapshotting(PowerShellSession session, string volume)
    {
        var host = Path.Combine(AppContext.BaseDirectory.Replace("StorageSnapshot.PowerShell.Tests", "StorageSnapshot.TestHost", StringComparison.Ordinal), "StorageSnapshot.TestHost.dll");
        Assert.True(File.Exists(host), $"The test host is not built at {host}.");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { host, "orchestration", "hold-after-driver", Path.Combine(session.Root, "inventory"), "lab", volume, "until-go" })
            info.ArgumentList.Add(argument);
        using var child = new Process { StartInfo = info };
        var lines = new System.Collections.Concurrent.BlockingCollection<string>();
        child.OutputDataReceived += (_, e) => { if (e.Data is not null) lines.Add(e.Data); };
        child.ErrorDataReceived += (_, e) => { if (e.Data is not null) lines.Add("stderr: " + e.Data); };
        child.Start();
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        try
        {
            var said = new List<string>();
            while (lines.TryTake(out var line, TimeSpan.FromSeconds(60)))
            {
                said.Add(line);
                if (line == "READY") return;
                if (line.StartsWith("ERROR", StringComparison.Ordinal) || line.StartsWith("DONE", StringComparison.Ordinal)) break;
            }
            Assert.Fail($"The test host never reached the driver call: {string.Join(" | ", said)}");
        }
        finally
        {
            child.Kill(entireProcessTree: true);
            child.WaitForExit(TimeSpan.FromSeconds(30));
        }
    }
}
