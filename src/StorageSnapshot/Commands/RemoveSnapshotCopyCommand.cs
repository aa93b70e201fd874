using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;

namespace StorageSnapshot.Commands;

/// <summary>
/// Remove-SnapshotCopy: deletes a copy from secondary storage, then collects the chunks no remaining copy
/// references that are older than the grace period (24 hours), so a copy running elsewhere never loses a chunk.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "SnapshotCopy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High,
    DefaultParameterSetName = ParameterSets.ByInputObject)]
[OutputType(typeof(void))]
public sealed class RemoveSnapshotCopyCommand : StorageSnapshotCmdlet
{
    /// <summary>A copy object from Get-SnapshotCopy (piped).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ParameterSets.ByInputObject)]
    [ValidateNotNull]
    public SnapshotCopy? InputObject { get; set; }

    /// <summary>The copy's id. Binds piped strings and, by property name, the Id of piped objects.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ParameterSets.ById)]
    [ValidateNotNullOrEmpty]
    public string Id { get; set; } = "";

    /// <summary>Skips the confirmation prompt (-WhatIf still changes nothing).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var id = InputObject?.Id ?? Id;
        TryRun((engine, context) => engine.RemoveSnapshotCopyAsync(id, context), (object?)InputObject ?? id, out _,
            (target, action) => ShouldProcessUnlessForced(target, action, Force));
    }
}
