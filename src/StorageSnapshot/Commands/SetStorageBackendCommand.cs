using System.Collections;
using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;
using StorageSnapshot.Commands.Parameters;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands;

/// <summary>Set-StorageBackend: changes a backend's properties or switches its maintenance mode.</summary>
[Cmdlet(VerbsCommon.Set, "StorageBackend", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = ParameterSets.ByName, HelpUri = HelpLinks.Base + "Set-StorageBackend.md")]
[OutputType(typeof(Backend))]
public sealed class SetStorageBackendCommand : StorageSnapshotCmdlet
{
    /// <summary>The backend's name. Binds piped strings; not bound by property name (any object has a Name).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ParameterSets.ByName)]
    [ValidateNotNullOrEmpty]
    [NameOnly("backend names", typeof(Backend))]
    [ArgumentCompleter(typeof(BackendNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>A backend object from Get-StorageBackend (piped).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ParameterSets.ByInputObject)]
    [ValidateNotNull]
    public Backend? InputObject { get; set; }

    /// <summary>
    /// Properties to change; they merge over the existing ones, and a $null value removes an optional one.
    /// Relative paths in Path properties are resolved against the current location.
    /// </summary>
    [Parameter]
    public Hashtable? Property { get; set; }

    /// <summary>A new user name and secret for drivers that take them (stored encrypted, never shown).</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>Switches maintenance mode on ($true: new operations are refused) or off ($false).</summary>
    [Parameter]
    public bool MaintenanceMode { get; set; }

    /// <summary>Why the backend is in maintenance (shown in refusals).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Reason { get; set; }

    /// <summary>Writes the changed backend.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var name = InputObject?.Name ?? Name;
        var properties = Property is null ? null : Hashtables.ToObjects(Property);
        if (properties is { Count: > 0 })
        {
            if (!TryRun((engine, context) => engine.FindPropertySchemaAsync(InputObject?.Driver, name, context.CancellationToken), (object?)InputObject ?? name, out var schema)) return;
            if (!ProviderPaths.ResolvePathProperties(this, properties, schema, out var pathError))
            {
                WriteError(pathError!);
                return;
            }
        }
        var request = new SetBackendRequest(name)
        {
            Properties = properties,
            Credential = Credentials.From(Credential),
            // A bool parameter has no "not given" value of its own; BoundParameters tells us whether it was.
            MaintenanceMode = MyInvocation.BoundParameters.ContainsKey(nameof(MaintenanceMode)) ? MaintenanceMode : null,
            Reason = Reason,
        };
        if (TryRun((engine, context) => engine.SetBackendAsync(request, context), (object?)InputObject ?? name, out var backend)
            && backend is not null && PassThru)
        {
            WriteObject(backend);
        }
    }
}
