using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;
using StorageSnapshot.Commands.Parameters;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands;

/// <summary>
/// Copy-SnapshotToSecondary: copies a snapshot into a secondary storage's repository — chunked, deduplicated,
/// incremental when the driver reports changed ranges since an earlier copy, verified as it goes, and
/// committed only when complete. Copying a snapshot that already has a copy there returns that copy.
/// </summary>
/// <remarks>
/// Piped snapshots are collected first and copied one after the other in EndProcessing, so that the progress
/// display can show an overall bar ("snapshot 2 of 5") above each copy's own bar; the snapshots of
/// <c>New-StorageSnapshot | Copy-SnapshotToSecondary</c> are therefore all taken before the first copy starts,
/// which also keeps them close in time.
/// </remarks>
[Cmdlet(VerbsCommon.Copy, "SnapshotToSecondary", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low,
    DefaultParameterSetName = ParameterSets.ByInputObject, HelpUri = HelpLinks.Base + "Copy-SnapshotToSecondary.md")]
[OutputType(typeof(SnapshotCopy))]
public sealed class CopySnapshotToSecondaryCommand : StorageSnapshotCmdlet
{
    private const int OverallActivityId = 0;
    private readonly List<(SnapshotSelector Selector, object Target, string Label)> pending = [];

    /// <summary>A snapshot object from Get-StorageSnapshot or New-StorageSnapshot (piped).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ParameterSets.ByInputObject)]
    [ValidateNotNull]
    public Snapshot? InputObject { get; set; }

    /// <summary>
    /// The snapshot's id. Binds piped strings; never the Id property of piped objects (a volume's Id is not a
    /// snapshot's), and a piped object of another kind is refused with a clear error.
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ParameterSets.ById)]
    [ValidateNotNullOrEmpty]
    [NameOnly("snapshot ids", typeof(Snapshot))]
    [ArgumentCompleter(typeof(SnapshotIdCompleter))]
    public string Id { get; set; } = "";

    /// <summary>The secondary storage to copy to: an object from Get-SecondaryStorage or its name.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    [PSTypeName(TypeNames.SecondaryStorage)]
    [NamedObject(typeof(SecondaryStorage))]
    [ArgumentCompleter(typeof(SecondaryStorageNameCompleter))]
    public object? Destination { get; set; }

    /// <summary>Reads the whole snapshot even when changed ranges since an earlier copy are known.</summary>
    [Parameter]
    public SwitchParameter Full { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (InputObject is not null) pending.Add((SnapshotSelector.Of(InputObject), InputObject, $"'{InputObject.Name}' of volume '{InputObject.Volume}'"));
        else pending.Add((new SnapshotSelector(Id: Id), Id, Id));
    }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        var destination = NamedObject.NameOf<SecondaryStorage>(Destination, s => s.Name) ?? "";
        var overall = pending.Count > 1;
        for (var i = 0; i < pending.Count; i++)
        {
            var (selector, target, label) = pending[i];
            if (overall)
            {
                WriteProgress(new ProgressRecord(OverallActivityId, $"Copying {pending.Count} snapshots to {destination}",
                    $"Snapshot {i + 1} of {pending.Count}: {label}")
                { PercentComplete = i * 100 / pending.Count });
                ProgressParentId = OverallActivityId;
            }
            var request = new CopySnapshotRequest(selector, destination, Full);
            if (TryRun((engine, context) => engine.CopySnapshotToSecondaryAsync(request, context), target, out var copy) && copy is not null)
            {
                WriteObject(copy);
            }
        }
        if (overall)
        {
            ProgressParentId = -1;
            WriteProgress(new ProgressRecord(OverallActivityId, $"Copying {pending.Count} snapshots to {destination}", "Done")
            { PercentComplete = 100, RecordType = ProgressRecordType.Completed });
        }
        base.EndProcessing();
    }
}
