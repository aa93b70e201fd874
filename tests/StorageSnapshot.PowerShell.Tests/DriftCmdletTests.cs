using System.Security.Cryptography;
using StorageSnapshot.PowerShell.Tests.Infrastructure;

namespace StorageSnapshot.PowerShell.Tests;

/// <summary>
/// Test-StorageInventory and Import-SnapshotCopy in a real runspace on the standard lab: differences made behind the
/// module's back with plain file commands are reported as StorageDrift objects (with their table view), -WhatIf and
/// -Confirm ask per item and change nothing, -Repair adopts, forgets and removes, bad names are errors with stable
/// ids; and the disaster-recovery path (the inventory deleted, the repository registered again, imported, restored).
/// </summary>
public sealed class DriftCmdletTests
{
    [Fact]
    public void Differences_are_reported_shown_and_repaired_through_ShouldProcess()
    {
        using var session = PowerShellSession.StartWithLab();
        Assert.Empty(session.Run("Test-StorageInventory").ThrowIfFailed().Output);

        session.Run("""
            Copy-Item volumes/volumes/db01.img volumes/volumes/stray.img
            Remove-Item volumes/volumes/v2.img
            Set-Content volumes/volumes/.v3.img.0123456789abcdef0123456789abcdef.tmp 'half-written'
            """).ThrowIfFailed();

        var kinds = session.Strings("Test-StorageInventory -Backend lab | ForEach-Object { '{0} {1} {2}' -f $_.Kind, $_.ObjectType, $_.Name } | Sort-Object");
        Assert.Equal(["Leftover Volume .v3.img.0123456789abcdef0123456789abcdef.tmp", "Missing Volume v2", "Orphan Volume stray"], kinds);
        var table = string.Join("\n", session.Strings("Test-StorageInventory | Format-Table | Out-String -Width 200"));
        Assert.Contains("Adopt|Remove", table, StringComparison.Ordinal);
        Assert.Contains("Orphan", table, StringComparison.Ordinal);

        // -WhatIf: one "What if" per item the repair applies to, nothing changed, no journal entry.
        var whatIf = session.Run("Test-StorageInventory -Repair Remove -WhatIf -Verbose").ThrowIfFailed();
        Assert.All(whatIf.Output, o => Assert.Null(o.Properties["Repaired"].Value));
        Assert.Equal(3, session.Run("Test-StorageInventory").ThrowIfFailed().Output.Count);
        Assert.Empty(session.Run("Get-StorageOperation -Kind RepairDrift").ThrowIfFailed().Output);

        var adopted = session.Run("Test-StorageInventory -Repair Adopt -Confirm:$false").ThrowIfFailed();
        Assert.Equal(["Adopt"], adopted.Output.Select(o => o.Properties["Repaired"].Value?.ToString()).OfType<string>());
        Assert.Equal(["Available"], session.Strings("Get-StorageVolume stray -Backend lab | ForEach-Object State"));
        session.Run("Test-StorageInventory -Repair Forget -Force").ThrowIfFailed();
        Assert.Empty(session.Run("Get-StorageVolume v2 -Backend lab -ErrorAction SilentlyContinue").Output);
        session.Run("Test-StorageInventory -Repair Remove -Force").ThrowIfFailed();

        Assert.Empty(session.Run("Test-StorageInventory").ThrowIfFailed().Output);
        Assert.False(File.Exists(Path.Combine(session.Root, "volumes", "volumes", ".v3.img.0123456789abcdef0123456789abcdef.tmp")));
        Assert.Equal(["Succeeded", "Succeeded", "Succeeded"], session.Strings("Get-StorageOperation -Kind RepairDrift | ForEach-Object State"));
        Assert.Equal(3, session.Strings("Get-StorageEvent -Kind DriftRepaired | ForEach-Object Kind").Count);
    }

    [Fact]
    public void Backends_and_destinations_bind_as_objects_or_names_and_unknown_names_are_errors()
    {
        using var session = PowerShellSession.StartWithLab();
        Assert.Empty(session.Run("Get-StorageBackend lab | Test-StorageInventory").ThrowIfFailed().Output);
        Assert.Empty(session.Run("Test-StorageInventory -Destination $nfs1 -GracePeriod 0").ThrowIfFailed().Output);

        Assert.Equal(["BackendNotFound,StorageSnapshot.Commands.TestStorageInventoryCommand"], session.Run("Test-StorageInventory -Backend nosuch").ErrorIds);
        Assert.Equal(["SecondaryStorageNotFound,StorageSnapshot.Commands.TestStorageInventoryCommand"], session.Run("Test-StorageInventory -Destination nosuch").ErrorIds);
        Assert.Equal(["SecondaryStorageNotFound,StorageSnapshot.Commands.ImportSnapshotCopyCommand"], session.Run("Import-SnapshotCopy -Destination nosuch").ErrorIds);
        Assert.Equal(["InvalidArgument,StorageSnapshot.Commands.TestStorageInventoryCommand"], session.Run("Test-StorageInventory -GracePeriod (New-TimeSpan -Hours -1)").ErrorIds);
    }

    [Fact]
    public void The_inventory_lost_the_repository_registered_again_imported_and_restored_byte_for_byte()
    {
        using var session = PowerShellSession.StartWithLab();
        var expected = SHA256.HashData(File.ReadAllBytes(Path.Combine(session.Root, "volumes", "volumes", "db01.img")));

        var imported = session.Run("""
            Remove-Item $env:STORAGESNAPSHOT_HOME -Recurse -Force
            Register-SecondaryStorage -Name nfs1 -Path (Resolve-Path nfs1).Path
            Get-SecondaryStorage nfs1 | Import-SnapshotCopy
            """).ThrowIfFailed();
        var copy = Assert.Single(imported.Output);
        Assert.Equal("nightly", copy.Properties["Snapshot"].Value);
        Assert.Equal("Copied", copy.Properties["State"].Value.ToString());
        Assert.Empty(session.Run("Import-SnapshotCopy nfs1").ThrowIfFailed().Output);
        Assert.Empty(session.Run("Import-SnapshotCopy nfs1 -WhatIf").ThrowIfFailed().Output);

        session.Run("""
            Register-StorageBackend -Name dr -Driver directory -Property @{ Path = (New-Item -ItemType Directory -Path dr).FullName }
            Get-SnapshotCopy nightly -Destination nfs1 | New-StorageVolume -Name db01 -Backend dr
            """).ThrowIfFailed();

        Assert.Equal(expected, SHA256.HashData(File.ReadAllBytes(Path.Combine(session.Root, "dr", "volumes", "db01.img"))));
        Assert.Equal(["Succeeded", "Succeeded"], session.Strings("Get-StorageOperation -Kind ImportCopies | ForEach-Object State"));
    }
}
