using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;
using StorageSnapshot.Commands.Parameters;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands;

/// <summary>
/// Remove-StorageVolume: deletes a volume and its data. Refuses (VolumeHasSnapshots) while it has snapshots,
/// unless -IncludeSnapshots.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "StorageVolume", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High,
    DefaultParameterSetName = ParameterSets.ByInputObject, HelpUri = HelpLinks.Base + "Remove-StorageVolume.md")]
[OutputType(typeof(void))]
public sealed class RemoveStorageVolumeCommand : StorageSnapshotCmdlet
{
    /// <summary>A volume object from Get-StorageVolume (piped).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ParameterSets.ByInputObject)]
    [ValidateNotNull]
    public Volume? InputObject { get; set; }

    /// <summary>
    /// The volume's name. Binds piped strings, never by property name (a piped snapshot's Name is not a volume name).
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ParameterSets.ByName)]
    [ValidateNotNullOrEmpty]
    [NameOnly("volume names", typeof(Volume))]
    [ArgumentCompleter(typeof(VolumeNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>The volume's backend (an object or a name), when the name exists on several.</summary>
    [Parameter(ParameterSetName = ParameterSets.ByName)]
    [ValidateNotNull]
    [PSTypeName(TypeNames.Backend)]
    [NamedObject(typeof(Backend))]
    [ArgumentCompleter(typeof(BackendNameCompleter))]
    public object? Backend { get; set; }

    /// <summary>Deletes the volume's snapshots first instead of refusing.</summary>
    [Parameter]
    public SwitchParameter IncludeSnapshots { get; set; }

    /// <summary>Skips the confirmation prompt (-WhatIf still changes nothing).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var selector = InputObject is not null ? VolumeSelector.Of(InputObject) : new VolumeSelector(Backend: NamedObject.NameOf<Backend>(Backend, b => b.Name), Name: Name);
        var request = new RemoveVolumeRequest(selector, IncludeSnapshots);
        TryRun((engine, context) => engine.RemoveVolumeAsync(request, context), (object?)InputObject ?? selector.ToString(), out _,
            (target, action) => ShouldProcessUnlessForced(target, action, Force));
    }
}
