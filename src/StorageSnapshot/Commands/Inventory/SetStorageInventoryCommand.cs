using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Parameters;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands;

/// <summary>
/// Set-StorageInventory: chooses the inventory this user's later commands use — a PostgreSQL database shared by
/// several hosts (-ConnectionString, with -Credential or a pgpass file or PGPASSWORD for the password), an SQLite file
/// (-Path), or the default SQLite file (-Default). The chosen inventory is opened (created and migrated) first: a
/// wrong server, database, password or path is refused and the setting stays as it was.
/// </summary>
[Cmdlet(VerbsCommon.Set, "StorageInventory", SupportsShouldProcess = true, DefaultParameterSetName = PostgreSqlSet,
    HelpUri = HelpLinks.Base + "Set-StorageInventory.md")]
[OutputType(typeof(InventoryInfo))]
public sealed class SetStorageInventoryCommand : StorageSnapshotCmdlet
{
    internal const string PostgreSqlSet = "PostgreSql";
    internal const string PathSet = "Path";
    internal const string DefaultSet = "Default";

    /// <summary>A PostgreSQL connection string (Host=...;Database=...;Username=...). A password in it is stored protected.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PostgreSqlSet)]
    [ValidateNotNullOrEmpty]
    public string? ConnectionString { get; set; }

    /// <summary>The PostgreSQL user and password; the password is stored protected (the key file or DPAPI), never in clear.</summary>
    [Parameter(ParameterSetName = PostgreSqlSet)]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>An SQLite inventory file (created if missing).</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Back to the default: the SQLite file in the home folder.</summary>
    [Parameter(Mandatory = true, ParameterSetName = DefaultSet)]
    public SwitchParameter Default { get; set; }

    /// <summary>Writes the inventory now in use.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var target = InventoryTargets.From(this, ParameterSetName, ConnectionString, Credential, Path);
        if (TryRunWithoutEngine(context => StorageSnapshotEngine.SetInventoryAsync(EngineOptions.FromEnvironment(), target, context), target.Path ?? ConnectionString,
                out var info) && info is not null && PassThru)
        {
            WriteObject(info);
        }
    }
}
