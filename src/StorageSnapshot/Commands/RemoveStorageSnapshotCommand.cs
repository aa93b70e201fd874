using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;
using StorageSnapshot.Commands.Parameters;
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
    DefaultParameterSetName = ParameterSets.ByInputObject, HelpUri = HelpLinks.Base + "Remove-StorageSnapshot.md")]
[OutputType(typeof(void))]
public sealed class RemoveStorageSnapshotCommand : SnapshotByNameCmdlet
{
    /// <summary>
    /// Snapshot ids. Binds piped strings; never the Id property of piped objects (a volume's Id is not a
    /// snapshot's), and a piped object of another kind is refused with a clear error.
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ParameterSets.ById)]
    [ValidateNotNullOrEmpty]
    [NameOnly("snapshot ids", typeof(Snapshot))]
    [ArgumentCompleter(typeof(SnapshotIdCompleter))]
    public string[] Id { get; set; } = [];

    /// <summary>Every snapshot whose expiry (-ExpiresAt of New-StorageSnapshot) is at or before now, or -At.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ParameterSets.Expired)]
    public SwitchParameter Expired { get; set; }

    /// <summary>With -Expired: the moment expiry is measured at (default now).</summary>
    [Parameter(ParameterSetName = ParameterSets.Expired)]
    public DateTime? At { get; set; }

    /// <summary>Skips the confirmation prompt (-WhatIf still changes nothing).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (Expired)
        {
            if (!TryRun((engine, context) => engine.GetExpiredSnapshotsAsync(At, context), null, out var expired)) return;
            foreach (var snapshot in expired)
            {
                TryRun((engine, context) => engine.RemoveSnapshotAsync(SnapshotSelector.Of(snapshot), context), snapshot, out _,
                    (target, action) => ShouldProcessUnlessForced(target, action, Force));
            }
            return;
        }
        var selectors = InputObject is not null ? [SnapshotSelector.Of(InputObject)]
            : ParameterSetName == ParameterSets.ByName ? [ByNameSelector()]
            : Id.Select(id => new SnapshotSelector(Id: id)).ToArray();
        foreach (var selector in selectors)
        {
            TryRun((engine, context) => engine.RemoveSnapshotAsync(selector, context), (object?)InputObject ?? selector.ToString(), out _,
                (target, action) => ShouldProcessUnlessForced(target, action, Force));
        }
    }
}
