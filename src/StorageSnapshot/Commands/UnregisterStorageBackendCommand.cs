using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;
using StorageSnapshot.Commands.Parameters;

namespace StorageSnapshot.Commands;

/// <summary>
/// Unregister-StorageBackend: forgets a backend. Its data is never touched; the inventory refuses
/// (BackendHasVolumes) while it still records volumes on it.
/// </summary>
[Cmdlet(VerbsLifecycle.Unregister, "StorageBackend", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = ParameterSets.ByName, HelpUri = HelpLinks.Base + "Unregister-StorageBackend.md")]
[OutputType(typeof(void))]
public sealed class UnregisterStorageBackendCommand : StorageSnapshotCmdlet
{
    /// <summary>The backend's name. Binds piped strings.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ParameterSets.ByName)]
    [ValidateNotNullOrEmpty]
    [NameOnly("backend names", typeof(Backend))]
    [ArgumentCompleter(typeof(BackendNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>A backend object from Get-StorageBackend (piped).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ParameterSets.ByInputObject)]
    [ValidateNotNull]
    public Backend? InputObject { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var name = InputObject?.Name ?? Name;
        TryRun((engine, context) => engine.UnregisterBackendAsync(name, context), (object?)InputObject ?? name, out _);
    }
}
