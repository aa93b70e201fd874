using System.Collections;
using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;
using StorageSnapshot.Commands.Parameters;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands;

/// <summary>Register-StorageBackend: records a storage device (a driver plus its validated properties).</summary>
[Cmdlet(VerbsLifecycle.Register, "StorageBackend", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = HelpLinks.Base + "Register-StorageBackend.md")]
[OutputType(typeof(Backend))]
public sealed class RegisterStorageBackendCommand : StorageSnapshotCmdlet
{
    /// <summary>The new backend's name (unique, case-insensitive).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>The driver that manages the storage (see Get-StorageDriver).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(DriverNameCompleter))]
    public string Driver { get; set; } = "";

    /// <summary>
    /// The driver's properties (validated against its schema; every problem is reported). Relative paths in Path
    /// properties are resolved against the current location.
    /// </summary>
    [Parameter]
    public Hashtable? Property { get; set; }

    /// <summary>
    /// The user name and secret for drivers that take them (Get-StorageDriver shows which properties a credential
    /// fills). The secret is stored encrypted and never shown.
    /// </summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>Writes the registered backend.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var properties = Hashtables.ToObjects(Property);
        if (properties.Count > 0)
        {
            if (!TryRun((engine, context) => engine.FindPropertySchemaAsync(Driver, null, context.CancellationToken), Name, out var schema)) return;
            if (!ProviderPaths.ResolvePathProperties(this, properties, schema, out var pathError))
            {
                WriteError(pathError!);
                return;
            }
        }

        var request = new RegisterBackendRequest(Name, Driver, properties) { Credential = Credentials.From(Credential) };
        if (TryRun((engine, context) => engine.RegisterBackendAsync(request, context), Name, out var backend) && backend is not null && PassThru)
        {
            WriteObject(backend);
        }
    }
}
