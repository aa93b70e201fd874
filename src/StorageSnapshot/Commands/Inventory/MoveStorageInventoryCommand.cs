using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Parameters;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands;

/// <summary>
/// Move-StorageInventory: moves the inventory in use into an empty PostgreSQL database (-ConnectionString) or SQLite
/// file (-Path): every record copied in one transaction, the copy compared with the source record for record, then
/// this user's setting switched to it. The source is left unchanged (a backup) and no longer used.
/// </summary>
[Cmdlet(VerbsCommon.Move, "StorageInventory", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = SetStorageInventoryCommand.PostgreSqlSet,
    HelpUri = HelpLinks.Base + "Move-StorageInventory.md")]
[OutputType(typeof(InventoryInfo))]
public sealed class MoveStorageInventoryCommand : StorageSnapshotCmdlet
{
    /// <summary>The PostgreSQL database to move into (empty; created schema if new).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = SetStorageInventoryCommand.PostgreSqlSet)]
    [ValidateNotNullOrEmpty]
    public string? ConnectionString { get; set; }

    /// <summary>The PostgreSQL user and password; the password is stored protected, never in clear.</summary>
    [Parameter(ParameterSetName = SetStorageInventoryCommand.PostgreSqlSet)]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>The SQLite file to move into (new or empty).</summary>
    [Parameter(Mandatory = true, ParameterSetName = SetStorageInventoryCommand.PathSet)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Moves without asking for confirmation.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var target = InventoryTargets.From(this, ParameterSetName, ConnectionString, Credential, Path);
        if (TryRunWithoutEngine(context => StorageSnapshotEngine.MoveInventoryAsync(EngineOptions.FromEnvironment(), target, context), target.Path ?? ConnectionString,
                out var info, (t, a) => ShouldProcessUnlessForced(t, a, Force)) && info is not null)
        {
            WriteObject(info);
        }
    }
}
