using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Parameters;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands;

/// <summary>Get-StorageOperation: the operation journal, filtered; a piped volume, snapshot or copy shows its history.</summary>
/// <remarks>
/// <c>Get-StorageVolume db01 | Get-StorageOperation</c>: piped objects bind -Target by value. -Id lists entries by
/// journal id (an unknown id is an OperationNotFound error, the others are still listed).
/// </remarks>
[Cmdlet(VerbsCommon.Get, "StorageOperation", DefaultParameterSetName = FilterSet, HelpUri = HelpLinks.Base + "Get-StorageOperation.md")]
[OutputType(typeof(Operation))]
public sealed class GetStorageOperationCommand : StorageSnapshotCmdlet
{
    private const string FilterSet = "ByFilter";

    /// <summary>Journal ids.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ParameterSets.ById)]
    [ValidateNotNullOrEmpty]
    public string[]? Id { get; set; }

    /// <summary>Only entries in these states.</summary>
    [Parameter(ParameterSetName = FilterSet)]
    public OperationState[]? State { get; set; }

    /// <summary>Only entries of these kinds.</summary>
    [Parameter(ParameterSetName = FilterSet)]
    public OperationKind[]? Kind { get; set; }

    /// <summary>The history of these volumes, snapshots or copies (objects or ids). Bound from piped objects.</summary>
    [Parameter(ValueFromPipeline = true, ParameterSetName = FilterSet)]
    [ValidateNotNullOrEmpty]
    public object[]? Target { get; set; }

    /// <summary>Only entries started at or after this time.</summary>
    [Parameter(ParameterSetName = FilterSet)]
    public DateTime? Since { get; set; }

    /// <summary>Only the newest this many entries (after the other filters).</summary>
    [Parameter(ParameterSetName = FilterSet)]
    [ValidateRange(1, int.MaxValue)]
    public int? Last { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (!JournalTargets.TryFrom(this, Target, out var targets)) return;
        var filter = new OperationFilter
        {
            Ids = Id,
            States = State,
            Kinds = Kind,
            Targets = targets,
            SinceUtc = Since?.ToUniversalTime(),
            Last = Last,
        };
        if (TryRun((engine, context) => engine.FindOperationsAsync(filter, context), (object?)Target ?? Id, out var entries))
        {
            foreach (var entry in entries) WriteObject(entry);
        }
    }
}
