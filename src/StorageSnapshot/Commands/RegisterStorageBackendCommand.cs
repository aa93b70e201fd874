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

    /// <summary>The driver's properties (validated against its schema; every problem is reported).</summary>
    [Parameter]
    public Hashtable? Property { get; set; }

    /// <summary>User name and password for drivers that need them; passed as the Username and Password properties.</summary>
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
        if (Credential is not null && Credential != PSCredential.Empty)
        {
            if (properties.ContainsKey("Username") || properties.ContainsKey("Password"))
            {
                WriteError(ErrorRecords.InvalidArgument(
                    "Give the user name and password either with -Credential or as -Property Username/Password, not both.", Name));
                return;
            }
            var network = Credential.GetNetworkCredential();
            properties["Username"] = Credential.UserName;
            properties["Password"] = network.Password;
        }

        var request = new RegisterBackendRequest(Name, Driver, properties);
        if (TryRun((engine, context) => engine.RegisterBackendAsync(request, context), Name, out var backend) && backend is not null && PassThru)
        {
            WriteObject(backend);
        }
    }
}
