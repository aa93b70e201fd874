using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;
using StorageSnapshot.Commands.Parameters;

namespace StorageSnapshot.Commands;

/// <summary>
/// Unregister-SecondaryStorage: forgets a copy destination. Its data is never touched; the inventory refuses
/// while it still records copies on it.
/// </summary>
[Cmdlet(VerbsLifecycle.Unregister, "SecondaryStorage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = ParameterSets.ByName, HelpUri = HelpLinks.Base + "Unregister-SecondaryStorage.md")]
[OutputType(typeof(void))]
public sealed class UnregisterSecondaryStorageCommand : StorageSnapshotCmdlet
{
    /// <summary>The secondary storage's name. Binds piped strings.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ParameterSets.ByName)]
    [ValidateNotNullOrEmpty]
    [NameOnly("secondary storage names", typeof(SecondaryStorage))]
    [ArgumentCompleter(typeof(SecondaryStorageNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>A secondary storage object from Get-SecondaryStorage (piped).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ParameterSets.ByInputObject)]
    [ValidateNotNull]
    public SecondaryStorage? InputObject { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var name = InputObject?.Name ?? Name;
        TryRun((engine, context) => engine.UnregisterSecondaryStorageAsync(name, context), (object?)InputObject ?? name, out _);
    }
}
