using StorageSnapshot.PowerShell.Tests.Infrastructure;

namespace StorageSnapshot.PowerShell.Tests;

/// <summary>The policy cmdlets in a real runspace: friendly forms, hashtable retention, -WhatIf, pipelines, error ids, -Expired.</summary>
public sealed class PolicyCmdletTests
{
    [Fact]
    public void Friendly_forms_and_cron_become_the_policys_schedules_and_retention_binds_from_a_hashtable()
    {
        using var session = PowerShellSession.StartWithLab();
        var policy = session.Run("New-SnapshotPolicy p1 -Schedule '0 */6 * * *' -Daily -Weekly -DayOfWeek Saturday, Sunday -Monthly -Day 1, 15 -At 02:30 " +
                                 "-TimeZone Europe/Berlin -Retention @{ Last = 2; Daily = 7; MaxAge = '90.00:00:00' }")
            .ThrowIfFailed();
        Assert.Single(policy.Output);
        Assert.Equal(new[] { "0 */6 * * *", "30 2 * * *", "30 2 * * 0,6", "30 2 1 * *", "30 2 15 * *" }, session.Strings("(Get-SnapshotPolicy p1).Schedules"));
        Assert.Equal(["15 * * * *"], session.Strings("(New-SnapshotPolicy p2 -Hourly -At 00:15).Schedules"));
        Assert.Equal(["InvalidArgument,StorageSnapshot.Commands.NewSnapshotPolicyCommand"], session.Run("New-SnapshotPolicy p3 -Hourly -At 02:15").ErrorIds);
        Assert.Equal(["2 7 90.00:00:00 Europe/Berlin"], session.Strings("$p = Get-SnapshotPolicy p1; '{0} {1} {2} {3}' -f $p.Retention.Last, $p.Retention.Daily, $p.Retention.MaxAge, $p.TimeZone"));
    }

    [Fact]
    public void A_bad_definition_is_one_InvalidArgument_error_naming_every_problem()
    {
        using var session = PowerShellSession.StartWithLab();
        var result = session.Run("New-SnapshotPolicy bad -Schedule 'nightly' -TimeZone Nowhere/Town -Retention @{ Daily = 'x'; Forever = 1 }");
        Assert.Equal(["InvalidArgument,StorageSnapshot.Commands.NewSnapshotPolicyCommand"], result.ErrorIds);
        Assert.Contains("Forever", result.Errors[0].ToString());
        Assert.Contains("not a whole number", result.Errors[0].ToString());

        var engine = session.Run("New-SnapshotPolicy bad -Schedule 'nightly' -TimeZone Nowhere/Town");
        Assert.Equal(["InvalidArgument,StorageSnapshot.Commands.NewSnapshotPolicyCommand"], engine.ErrorIds);
        Assert.Contains("nightly", engine.Errors[0].ToString());
        Assert.Contains("Nowhere/Town", engine.Errors[0].ToString());
        Assert.Empty(session.Run("Get-SnapshotPolicy").ThrowIfFailed().Output);
    }

    [Fact]
    public void Invoke_takes_each_slot_once_and_WhatIf_changes_nothing_and_shows_the_retention_decisions()
    {
        using var session = PowerShellSession.StartWithLab();
        session.Run("$null = New-SnapshotPolicy nightly -Volume db01, v1 -Daily -At 02:00 -TimeZone UTC -Retention @{ Last = 1 } -Destination nfs1").ThrowIfFailed();
        Assert.Equal(["2 2 0"], session.Strings("$r = Invoke-SnapshotPolicy nightly -At ([datetime]::new(2027, 1, 1, 2, 5, 0, [DateTimeKind]::Utc)); '{0} {1} {2}' -f $r.Taken.Count, $r.Copied.Count, $r.Failures"));
        Assert.Equal(["0 2"], session.Strings("$r = Invoke-SnapshotPolicy nightly -At ([datetime]::new(2027, 1, 1, 2, 5, 0, [DateTimeKind]::Utc)); '{0} {1}' -f $r.Taken.Count, $r.AlreadyTaken"));

        // The next night, previewed: nothing is taken or removed; the removals are reported through ShouldProcess with their rule.
        var before = session.Strings("(Get-StorageSnapshot).Count; (Get-SnapshotCopy).Count");
        session.Run("Invoke-SnapshotPolicy nightly -At ([datetime]::new(2027, 1, 2, 2, 5, 0, [DateTimeKind]::Utc)) -WhatIf").ThrowIfFailed();
        Assert.Equal(before, session.Strings("(Get-StorageSnapshot).Count; (Get-SnapshotCopy).Count"));

        Assert.Equal(["Snapshot Keep Last", "Snapshot Keep Last", "Copy Keep NoRetention", "Copy Keep NoRetention"],
            session.Strings("Get-SnapshotRetentionPlan -Policy nightly -At ([datetime]::new(2027, 1, 2, 2, 5, 0, [DateTimeKind]::Utc)) | ForEach-Object { '{0} {1} {2}' -f $_.Kind, $_.Action, $_.Rule }"));
        Assert.Equal(["2 2"], session.Strings("$r = Invoke-SnapshotPolicy nightly -At ([datetime]::new(2027, 1, 2, 2, 5, 0, [DateTimeKind]::Utc)); '{0} {1}' -f $r.Taken.Count, $r.SnapshotsRemoved"));
        Assert.Equal(["1", "1"], session.Strings("(Get-StorageSnapshot -Volume db01 -Tag @{ policy = 'nightly' }).Count; (Get-StorageSnapshot -Volume v1 -Tag @{ policy = 'nightly' }).Count"));
        Assert.Equal(["nightly"], session.Strings("(Get-StorageSnapshot nightly -Volume db01).Name")); // the lab's own snapshot is not the policy's
    }

    [Fact]
    public void Policies_pipe_into_Set_Invoke_plan_and_Remove_and_a_missing_one_is_PolicyNotFound()
    {
        using var session = PowerShellSession.StartWithLab();
        session.Run("$null = New-SnapshotPolicy a -Daily -TimeZone UTC; $null = New-SnapshotPolicy b -Weekly -TimeZone UTC").ThrowIfFailed();
        Assert.Equal(["a", "b"], session.Strings("Get-SnapshotPolicy | ForEach-Object Name"));
        Assert.Equal(["True"], session.Strings("(Get-SnapshotPolicy a | Set-SnapshotPolicy -CatchUp -PassThru).CatchUp"));
        Assert.Equal(2, session.Run("Get-SnapshotPolicy | Invoke-SnapshotPolicy -At ([datetime]::new(2027, 1, 3, 0, 0, 0, [DateTimeKind]::Utc))").ThrowIfFailed().Output.Count);
        Assert.Equal(["3"], session.Strings("(Get-SnapshotPolicy a | Get-SnapshotRetentionPlan).Count"));

        var missing = session.Run("Get-SnapshotPolicy nope; Invoke-SnapshotPolicy nope; Set-SnapshotPolicy nope -CatchUp");
        Assert.Equal(["PolicyNotFound,StorageSnapshot.Commands.GetSnapshotPolicyCommand", "PolicyNotFound,StorageSnapshot.Commands.InvokeSnapshotPolicyCommand",
            "PolicyNotFound,StorageSnapshot.Commands.SetSnapshotPolicyCommand"], missing.ErrorIds);

        session.Run("Get-SnapshotPolicy | Remove-SnapshotPolicy -Force").ThrowIfFailed();
        Assert.Empty(session.Run("Get-SnapshotPolicy").ThrowIfFailed().Output);
        Assert.NotEmpty(session.Run("Get-StorageSnapshot -Tag @{ policy = 'a' }").ThrowIfFailed().Output); // what it made stays
    }

    [Fact]
    public void A_failing_volume_makes_the_run_report_an_error_and_the_others_still_get_their_snapshot()
    {
        using var session = PowerShellSession.StartWithLab();
        session.Run("$null = New-SnapshotPolicy p -Daily -TimeZone UTC; Remove-Item (Get-StorageVolume v2).Location").ThrowIfFailed();
        var result = session.Run("$r = Invoke-SnapshotPolicy p -At ([datetime]::new(2027, 1, 3, 0, 0, 0, [DateTimeKind]::Utc)); $ok = $?; '{0} {1} {2}' -f $r.Taken.Count, $r.Failures, $ok");
        Assert.Single(result.Errors);
        Assert.Equal("2 1 False", result.Output.Single().ToString());
    }

    [Fact]
    public void Remove_StorageSnapshot_Expired_removes_only_what_has_expired_and_WhatIf_removes_nothing()
    {
        using var session = PowerShellSession.StartWithLab();
        session.Run("$null = New-StorageSnapshot -Volume v1 -Backend lab -Name soon -ExpiresAt (Get-Date).AddDays(1); " +
                    "$null = New-StorageSnapshot -Volume v1 -Backend lab -Name later -ExpiresAt (Get-Date).AddDays(30)").ThrowIfFailed();
        session.Run("Remove-StorageSnapshot -Expired -At (Get-Date).AddDays(2) -WhatIf").ThrowIfFailed();
        Assert.Equal(["later", "soon"], session.Strings("Get-StorageSnapshot -Volume v1 | Sort-Object Name | ForEach-Object Name"));
        session.Run("Remove-StorageSnapshot -Expired -At (Get-Date).AddDays(2) -Force").ThrowIfFailed();
        Assert.Equal(["later"], session.Strings("Get-StorageSnapshot -Volume v1 | ForEach-Object Name"));
        session.Run("Remove-StorageSnapshot -Expired -Force").ThrowIfFailed(); // nothing has expired now
        Assert.Equal(["later"], session.Strings("Get-StorageSnapshot -Volume v1 | ForEach-Object Name"));
    }
}
