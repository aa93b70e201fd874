using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands;

/// <summary>
/// Remove-StorageSnapshot: deletes snapshots. Refuses (SnapshotHasDependents) while clones need the snapshot;
/// each refusal is an error about that snapshot and the others go on.
/// </summary>
/// <remarks>
/// <c>Get-StorageSnapshot -Volume v1 | Remove-StorageSnapshot -Force</c>: each snapshot binds -InputObject by
/// value (first binding step), which selects the ByInputObject set. A piped id string binds -Id instead.
/// </remarks>
[Cmdlet(VerbsCommon.Remove, "StorageSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High,
    DefaultParameterSetName = ParameterSets.ByInputObject)]
[OutputType(typeof(void))]
public sealed class RemoveStorageSnapshotCommand : StorageSnapshotCmdlet
{
    /// <summary>A snapshot object from Get-StorageSnapshot (piped).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ParameterSets.ByInputObject)]
    [ValidateNotNull]
    public Snapshot? InputObject { get; set; }

    /// <summary>Snapshot ids. Binds piped strings and, by property name, the Id of piped objects.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ParameterSets.ById)]
    [ValidateNotNullOrEmpty]
    public string[] Id { get; set; } = [];

    /// <summary>Skips the confirmation prompt (-WhatIf still changes nothing).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var selectors = InputObject is not null ? [SnapshotSelector.Of(InputObject)] : Id.Select(id => new SnapshotSelector(Id: id)).ToArray();
        foreach (var selector in selectors)
        {
            TryRun((engine, context) => engine.RemoveSnapshotAsync(selector, context), (object?)InputObject ?? selector.Id, out _,
                (target, action) => ShouldProcessUnlessForced(target, action, Force));
        }
    }
}
