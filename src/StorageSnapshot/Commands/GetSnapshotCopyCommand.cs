using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands;

/// <summary>Get-SnapshotCopy: copies on secondary storage, by snapshot, destination or id.</summary>
/// <remarks>
/// <c>Get-StorageSnapshot -Volume db01 | Get-SnapshotCopy</c>: piped snapshots bind -Snapshot by value.
/// </remarks>
[Cmdlet(VerbsCommon.Get, "SnapshotCopy", DefaultParameterSetName = ParameterSets.ByName)]
[OutputType(typeof(SnapshotCopy))]
public sealed class GetSnapshotCopyCommand : StorageSnapshotCmdlet
{
    /// <summary>Names of the snapshots copied; wildcards allowed. All copies when omitted.</summary>
    [Parameter(Position = 0, ParameterSetName = ParameterSets.ByName)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Snapshot objects (piped) whose copies to list.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ParameterSets.ByInputObject)]
    [ValidateNotNull]
    public Snapshot[]? Snapshot { get; set; }

    /// <summary>Copy ids.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ParameterSets.ById)]
    [ValidateNotNullOrEmpty]
    public string[]? Id { get; set; }

    /// <summary>Secondary storage names; wildcards allowed.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SecondaryStorageNameCompleter))]
    public string[]? Destination { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var filter = new CopyFilter
        {
            SnapshotNames = Name,
            SnapshotIds = Snapshot?.Select(s => s.Id).ToArray(),
            Ids = Id,
            Destinations = Destination,
        };
        if (TryRun((engine, context) => engine.GetSnapshotCopiesAsync(filter, context), (object?)Snapshot ?? Id, out var copies))
        {
            foreach (var copy in copies) WriteObject(copy);
        }
    }
}
