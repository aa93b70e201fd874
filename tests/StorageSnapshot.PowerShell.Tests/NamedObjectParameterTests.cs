using StorageSnapshot.PowerShell.Tests.Infrastructure;

namespace StorageSnapshot.PowerShell.Tests;

/// <summary>Every parameter that names an object takes the object itself and its name, and says so in the syntax.</summary>
public sealed class NamedObjectParameterTests(LabFixture lab) : IClassFixture<LabFixture>
{
    /// <summary>The same command with the object and with its name: both must give the same answer.</summary>
    public static TheoryData<string, string, string> ObjectOrName => new()
    {
        { "Get-StorageSnapshot -Volume {0}", "$db01", "'db01'" },
        { "Get-StorageSnapshot -Backend {0}", "$lab", "'lab'" },
        { "Get-StorageVolume -Backend {0}", "$lab", "'lab'" },
        { "Get-SnapshotCopy -Destination {0}", "$nfs1", "'nfs1'" },
        { "Get-SnapshotCopy -Volume {0}", "$db01", "'db01'" },
        { "Get-SnapshotCopy -Backend {0}", "$lab", "'lab'" },
        { "New-StorageSnapshot -Volume {0} -Name \"o-$(Get-Random)\" | ForEach-Object VolumeId", "$db01", "'db01'" },
        { "New-StorageSnapshot -Volume db01 -Backend {0} -Name \"o-$(Get-Random)\" | ForEach-Object VolumeId", "$lab", "'lab'" },
        { "New-StorageVolume -Backend {0} -Name \"o-$(Get-Random)\" -SizeBytes 1MB | ForEach-Object Backend", "$lab", "'lab'" },
        { "$nightly | Copy-SnapshotToSecondary -Destination {0} | ForEach-Object Id", "$nfs1", "'nfs1'" },
        { "Test-SnapshotCopy -Snapshot {0} -Destination nfs1 | ForEach-Object CopyId", "$nightly", "'nightly'" },
        { "Test-SnapshotCopy -Snapshot nightly -Destination {0} | ForEach-Object CopyId", "$nfs1", "'nfs1'" },
        { "Test-SnapshotCopy -Snapshot nightly -Volume {0} | ForEach-Object CopyId", "$db01", "'db01'" },
        { "Restore-StorageSnapshot nightly -Volume {0} -Force -PassThru | ForEach-Object Id", "$db01", "'db01'" },
        { "Restore-StorageSnapshot nightly -Volume db01 -Backend {0} -Force -PassThru | ForEach-Object Id", "$lab", "'lab'" },
        { "Set-StorageSnapshot nightly -Volume {0} -Description named -PassThru | ForEach-Object Id", "$db01", "'db01'" },
        { "Remove-StorageVolume -Name (New-StorageVolume -Backend lab -Name \"o-$(Get-Random)\" -SizeBytes 1MB).Name -Backend {0} -Force; 'removed'", "$lab", "'lab'" },
    };

    [Theory]
    [MemberData(nameof(ObjectOrName))]
    public void A_parameter_that_names_an_object_takes_the_object_and_its_name(string command, string asObject, string asName)
    {
        var byObject = lab.Session.Strings(string.Format(command, asObject) + " | Out-String");
        var byName = lab.Session.Strings(string.Format(command, asName) + " | Out-String");
        Assert.NotEqual("", string.Concat(byObject).Trim());
        Assert.Equal(byName, byObject);
    }

    [Fact]
    public void An_object_of_the_wrong_kind_is_refused_with_an_error_naming_the_parameter_and_the_type()
    {
        var result = lab.Session.Run("Get-StorageSnapshot -Volume $lab");
        Assert.Equal(["MismatchedPSTypeName,StorageSnapshot.Commands.GetStorageSnapshotCommand"], result.ErrorIds);
        Assert.Contains("StorageSnapshot.Volume", result.Errors[0].ToString());
    }

    [Fact]
    public void The_syntax_shows_the_objects_types_never_an_internal_parameter_type()
    {
        var syntax = string.Join("\n", lab.Session.Strings("Get-Command -Module StorageSnapshot | ForEach-Object { Get-Command $_.Name -Syntax }"));
        // -Target of the journal cmdlets takes volumes, snapshots, copies or ids — several types by design — and is
        // checked by its own error (RepairCmdletTests); every other parameter must show its type.
        syntax = syntax.Replace("[-Target <Object[]>]", "", StringComparison.Ordinal);
        Assert.DoesNotContain("Parameter>", syntax);
        Assert.DoesNotContain("<Object", syntax, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("NameReference", syntax);
        Assert.Contains("New-StorageSnapshot [-Volume] <Volume>", syntax);
        Assert.Contains("-Destination <SecondaryStorage>", syntax);
        Assert.Contains("[-Backend <Backend[]>]", syntax);
    }

    [Fact]
    public void A_volume_object_filters_by_that_volume_even_when_another_backend_has_one_of_the_same_name()
    {
        var result = lab.Session.Run("""
            $null = New-Item -ItemType Directory other-volumes -Force
            $null = Register-StorageBackend -Name other -Driver directory -Property @{ Path = (Resolve-Path other-volumes).Path }
            $twin = New-StorageVolume -Backend other -Name db01 -SizeBytes 1MB
            $null = New-StorageSnapshot -Volume $twin -Name twin-snap
            @(Get-StorageSnapshot -Volume $twin).Name
            """).ThrowIfFailed();
        Assert.Equal(["twin-snap"], result.Output.Select(o => o.ToString()));
    }
}
