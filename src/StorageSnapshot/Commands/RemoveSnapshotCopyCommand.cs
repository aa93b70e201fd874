using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;

namespace StorageSnapshot.Commands;

/// <summary>
/// Remove-SnapshotCopy: deletes a copy from secondary storage, then collects the chunks no remaining copy
/// references that are older than the grace period (24 hours), so a copy running elsewhere never loses a chunk.
/// With -Failed: frees at once the space failed copies took (and removed copies left) on the secondary storages
/// named by -Destination.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "SnapshotCopy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High,
    DefaultParameterSetName = ParameterSets.ByInputObject)]
[OutputType(typeof(void))]
public sealed class RemoveSnapshotCopyCommand : StorageSnapshotCmdlet
{
    /// <summary>The parameter set of -Failed.</summary>
    private const string FailedSet = "Failed";

    /// <summary>A copy object from Get-SnapshotCopy (piped).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ParameterSets.ByInputObject)]
    [ValidateNotNull]
    public SnapshotCopy? InputObject { get; set; }

    /// <summary>The copy's id. Binds piped strings and, by property name, the Id of piped objects.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ParameterSets.ById)]
    [ValidateNotNullOrEmpty]
    public string Id { get; set; } = "";

    /// <summary>
    /// Forgets the failed copies and deletes at once every chunk no committed copy references, on the secondary
    /// storages named by -Destination (all when omitted). Waits for running copies, up to the lock timeout.
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = FailedSet)]
    public SwitchParameter Failed { get; set; }

    /// <summary>With -Failed: the secondary storages to clean; wildcards allowed. All when omitted.</summary>
    [Parameter(ParameterSetName = FailedSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SecondaryStorageNameCompleter))]
    public string[]? Destination { get; set; }

    /// <summary>Skips the confirmation prompt (-WhatIf still changes nothing).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (ParameterSetName == FailedSet)
        {
            TryRun((engine, context) => engine.RemoveFailedCopiesAsync(Destination, context), Destination, out _,
                (target, action) => ShouldProcessUnlessForced(target, action, Force));
            return;
        }
        var id = InputObject?.Id ?? Id;
        TryRun((engine, context) => engine.RemoveSnapshotCopyAsync(id, context), (object?)InputObject ?? id, out _,
            (target, action) => ShouldProcessUnlessForced(target, action, Force));
    }
}
