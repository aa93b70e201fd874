using StorageSnapshot.PowerShell.Tests.Infrastructure;

namespace StorageSnapshot.PowerShell.Tests;

/// <summary>The parameter sets, completers and help links the issue asked for, in a real runspace.</summary>
public sealed class CmdletBehaviourTests
{
    [Fact]
    public void Restore_StorageSnapshot_takes_the_snapshot_name_by_position()
    {
        using var session = PowerShellSession.StartWithLab();
        var result = session.Run("Restore-StorageSnapshot nightly -Force -PassThru").ThrowIfFailed();
        Assert.Equal("nightly", result.Output.Single().Properties["Name"].Value);
    }

    [Fact]
    public void A_snapshot_name_on_several_volumes_asks_for_Volume()
    {
        using var session = PowerShellSession.StartWithLab();
        var result = session.Run("$null = New-StorageSnapshot -Volume v1 -Backend lab -Name nightly; Remove-StorageSnapshot nightly -Force");
        Assert.Equal(["InvalidArgument,StorageSnapshot.Commands.RemoveStorageSnapshotCommand"], result.ErrorIds);
        Assert.DoesNotContain("-Volume", result.Errors[0].ToString()); // the engine speaks of volumes; the advice names the parameter
        Assert.Equal("Use -Volume (and -Backend) or -Id to say which snapshot 'nightly' is meant.", result.Errors[0].ErrorDetails.RecommendedAction);
        session.Run("Remove-StorageSnapshot nightly -Volume v1 -Force").ThrowIfFailed();
        Assert.Equal(["db01"], session.Strings("Get-StorageSnapshot nightly | ForEach-Object Volume"));
    }

    [Fact]
    public void Engine_hints_become_PowerShell_advice_in_the_error_record()
    {
        using var session = PowerShellSession.StartWithLab();
        session.Run("Set-StorageBackend lab -MaintenanceMode $true -Reason 'firmware'").ThrowIfFailed();
        var refused = session.Run("New-StorageSnapshot -Volume db01 -Backend lab");
        Assert.Equal(["BackendInMaintenance,StorageSnapshot.Commands.NewStorageSnapshotCommand"], refused.ErrorIds);
        Assert.Equal("Wait for maintenance to end, or run Set-StorageBackend -Name lab -MaintenanceMode $false.", refused.Errors[0].ErrorDetails.RecommendedAction);

        var reason = session.Run("Set-StorageBackend lab -MaintenanceMode $false -Reason 'done'");
        Assert.Equal(["InvalidArgument,StorageSnapshot.Commands.SetStorageBackendCommand"], reason.ErrorIds);
        Assert.DoesNotContain("-Reason", reason.Errors[0].ToString());
        Assert.Contains("-MaintenanceMode $true", reason.Errors[0].ErrorDetails.RecommendedAction);

        var busy = session.Run("Remove-StorageVolume db01 -Backend lab -Force");
        Assert.Equal(["BackendInMaintenance,StorageSnapshot.Commands.RemoveStorageVolumeCommand"], busy.ErrorIds);
        session.Run("Set-StorageBackend lab -MaintenanceMode $false").ThrowIfFailed();
        var withSnapshots = session.Run("Remove-StorageVolume db01 -Backend lab -Force");
        Assert.Equal(["VolumeHasSnapshots,StorageSnapshot.Commands.RemoveStorageVolumeCommand"], withSnapshots.ErrorIds);
        Assert.Contains("Remove-StorageVolume db01 -IncludeSnapshots", withSnapshots.Errors[0].ErrorDetails.RecommendedAction);
    }

    [Fact]
    public void Register_SecondaryStorage_Compression_is_an_enum_bound_and_completed_by_PowerShell()
    {
        using var session = PowerShellSession.Start();
        var storage = session.Run("Register-SecondaryStorage packed (Join-Path (Get-Location) packed) -Create -Compression brotli -PassThru").ThrowIfFailed().Output.Single();
        Assert.Equal("Brotli", storage.Properties["Compression"].Value.ToString());
        Assert.Equal(["FileSystem Brotli"], session.Strings("Get-SecondaryStorage packed | ForEach-Object { '{0} {1}' -f $_.Kind, $_.Compression }"));
        Assert.Equal(["True"], session.Strings("(Get-SecondaryStorage packed).Compression -is [StorageSnapshot.ChunkCompression]"));

        var wrong = session.Run("Register-SecondaryStorage zipped (Join-Path (Get-Location) zipped) -Create -Compression zstd");
        var bindingError = Assert.Single(wrong.Errors); // PowerShell's binder refuses it, naming the values; the engine is never called
        Assert.StartsWith("CannotConvertArgument", bindingError.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains("None, Deflate, Brotli", bindingError.ToString());
        Assert.Empty(session.Strings("Get-SecondaryStorage zipped -ErrorAction SilentlyContinue"));
        Assert.Equal(["Brotli", "Deflate", "None"], session.Strings("""
            (TabExpansion2 -inputScript ($s = 'Register-SecondaryStorage x /tmp/x -Compression ') -cursorColumn $s.Length).CompletionMatches.CompletionText | Sort-Object
            """));
    }

    [Fact]
    public void New_StorageVolume_FromCopy_restores_onto_another_backend()
    {
        using var session = PowerShellSession.StartWithLab();
        var result = session.Run("""
            $null = New-Item -ItemType Directory dr-volumes
            $null = Register-StorageBackend -Name dr -Driver directory -Property @{ Path = (Resolve-Path dr-volumes).Path }
            New-StorageVolume -FromCopy $copy -Backend dr -Name db01-dr
            """).ThrowIfFailed();
        var volume = result.Output.Single();
        Assert.Equal("dr", volume.Properties["Backend"].Value);
        Assert.Equal("db01-dr", volume.Properties["Name"].Value);
    }

    [Fact]
    public void Get_SnapshotCopy_filters_by_volume_and_state()
    {
        using var session = PowerShellSession.StartWithLab();
        session.Run("$null = New-StorageSnapshot -Volume v1 -Backend lab -Name other | Copy-SnapshotToSecondary -Destination nfs1").ThrowIfFailed();
        Assert.Equal(["nightly"], session.Strings("Get-SnapshotCopy -Volume db01 | ForEach-Object Snapshot"));
        Assert.Equal(["nightly", "other"], session.Strings("Get-SnapshotCopy -State Copied | ForEach-Object Snapshot | Sort-Object"));
        Assert.Empty(session.Strings("Get-SnapshotCopy -State Failed"));
        Assert.Equal(["other"], session.Strings("Get-SnapshotCopy -Volume v* | ForEach-Object Snapshot"));
    }

    [Fact]
    public void Test_and_Remove_SnapshotCopy_take_a_snapshot_name_and_a_destination()
    {
        using var session = PowerShellSession.StartWithLab();
        Assert.Equal(["True"], session.Strings("Test-SnapshotCopy nightly -Destination nfs1 | ForEach-Object Valid"));
        session.Run("Remove-SnapshotCopy nightly -Destination nfs1 -Force").ThrowIfFailed();
        Assert.Empty(session.Strings("Get-SnapshotCopy"));
        var again = session.Run("Remove-SnapshotCopy nightly -Destination nfs1 -Force");
        Assert.Equal(["CopyNotFound,StorageSnapshot.Commands.RemoveSnapshotCopyCommand"], again.ErrorIds);
        Assert.Contains("nfs1", again.Errors[0].ToString());
    }

    [Fact]
    public void A_bad_wildcard_is_an_InvalidArgument_error_not_an_empty_answer()
    {
        using var session = PowerShellSession.StartWithLab();
        var result = session.Run("Get-StorageVolume 'v['");
        Assert.Equal(["InvalidArgument,StorageSnapshot.Commands.GetStorageVolumeCommand"], result.ErrorIds);
        Assert.Contains("'['", result.Errors[0].ToString());
        Assert.Equal(["v1", "v2"], session.Strings("Get-StorageVolume 'v[12]' | ForEach-Object Name"));
    }

    [Fact]
    public void Every_cmdlet_has_an_online_help_link_to_its_page()
    {
        using var session = PowerShellSession.Start();
        var links = session.Run("Get-Command -Module StorageSnapshot | ForEach-Object { '{0} {1}' -f $_.Name, $_.HelpUri }").ThrowIfFailed()
            .Output.Select(o => o.ToString().Split(' ')).ToArray();
        Assert.NotEmpty(links);
        Assert.All(links, l => Assert.Equal($"https://github.com/storagesnapshot/StorageSnapshot/blob/main/docs/{l[0]}.md", l[1]));
        // Get-Help -Online opens the URI of the help's first related link: the generated MAML names the same page.
        Assert.Equal(["https://github.com/storagesnapshot/StorageSnapshot/blob/main/docs/Get-StorageSnapshot.md"],
            session.Strings("(Get-Help Get-StorageSnapshot).relatedLinks.navigationLink[0].uri"));
    }

    [Theory]
    [InlineData("Get-StorageSnapshot -Id ", "nightly")]
    [InlineData("Restore-StorageSnapshot -Id ", "nightly")]
    [InlineData("Get-SnapshotCopy -Id ", "nightly on nfs1")]
    [InlineData("Get-StorageVolume -Id ", "lab/db01")]
    public void Ids_complete_with_what_they_are(string line, string shown)
    {
        using var session = PowerShellSession.StartWithLab();
        var lists = session.Strings($"(TabExpansion2 -inputScript '{line}' -cursorColumn {line.Length}).CompletionMatches.ListItemText");
        Assert.Contains(lists, l => l.Contains(shown, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Get-SnapshotCopy ", "nightly")]
    [InlineData("Test-SnapshotCopy -Snapshot ", "nightly")]
    [InlineData("Copy-SnapshotToSecondary -Destination ", "nfs1")]
    [InlineData("Get-StorageSnapshot -Volume ", "db01")]
    public void Names_complete(string line, string expected)
    {
        using var session = PowerShellSession.StartWithLab();
        Assert.Contains(expected, session.Strings($"(TabExpansion2 -inputScript '{line}' -cursorColumn {line.Length}).CompletionMatches.CompletionText"));
    }
}
