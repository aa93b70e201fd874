using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands;

/// <summary>
/// Copy-SnapshotToSecondary: copies a snapshot into a secondary storage's repository — chunked, deduplicated,
/// incremental when the driver reports changed ranges since an earlier copy, verified as it goes, and
/// committed only when complete. Copying a snapshot that already has a copy there returns that copy.
/// </summary>
[Cmdlet(VerbsCommon.Copy, "SnapshotToSecondary", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low,
    DefaultParameterSetName = ParameterSets.ByInputObject)]
[OutputType(typeof(SnapshotCopy))]
public sealed class CopySnapshotToSecondaryCommand : StorageSnapshotCmdlet
{
    /// <summary>A snapshot object from Get-StorageSnapshot or New-StorageSnapshot (piped).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ParameterSets.ByInputObject)]
    [ValidateNotNull]
    public Snapshot? InputObject { get; set; }

    /// <summary>The snapshot's id. Binds piped strings and, by property name, the Id of piped objects.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ParameterSets.ById)]
    [ValidateNotNullOrEmpty]
    public string Id { get; set; } = "";

    /// <summary>The secondary storage to copy to (see Get-SecondaryStorage).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SecondaryStorageNameCompleter))]
    public string Destination { get; set; } = "";

    /// <summary>Reads the whole snapshot even when changed ranges since an earlier copy are known.</summary>
    [Parameter]
    public SwitchParameter Full { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var selector = InputObject is not null ? SnapshotSelector.Of(InputObject) : new SnapshotSelector(Id: Id);
        var request = new CopySnapshotRequest(selector, Destination, Full);
        if (TryRun((engine, context) => engine.CopySnapshotToSecondaryAsync(request, context), (object?)InputObject ?? Id, out var copy) && copy is not null)
        {
            WriteObject(copy);
        }
    }
}
