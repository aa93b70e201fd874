using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;

namespace StorageSnapshot.Commands;

/// <summary>Get-StorageInventory: which inventory this session uses — SQLite or PostgreSQL, its schema version, where, and what chose it.</summary>
[Cmdlet(VerbsCommon.Get, "StorageInventory", HelpUri = HelpLinks.Base + "Get-StorageInventory.md")]
[OutputType(typeof(InventoryInfo))]
public sealed class GetStorageInventoryCommand : StorageSnapshotCmdlet
{
    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (TryRun((engine, context) => engine.GetInventoryAsync(context), null, out var info)) WriteObject(info);
    }
}
