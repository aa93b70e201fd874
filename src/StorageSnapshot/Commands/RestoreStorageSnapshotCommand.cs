using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;
using StorageSnapshot.Commands.Parameters;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands;

/// <summary>
/// Restore-StorageSnapshot: reverts the snapshot's volume to it. The volume's current data is replaced; the
/// confirmation (and -WhatIf) names what would be lost, as the engine's revert plan describes it. With
/// -FromCopy the volume is restored from a copy on secondary storage instead, guarded by a safety snapshot
/// that the volume is reverted to if the restore fails.
/// </summary>
/// <remarks>
/// <c>Get-StorageSnapshot -Volume db01 | Select-Object -Last 1 | Restore-StorageSnapshot</c>: the snapshot binds
/// -InputObject by value in the first binding step (exact type), which rules out the ById set, so its Id is not
/// bound a second time by property name.
/// </remarks>
[Cmdlet(VerbsData.Restore, "StorageSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High,
    DefaultParameterSetName = ParameterSets.ByInputObject, HelpUri = HelpLinks.Base + "Restore-StorageSnapshot.md")]
[OutputType(typeof(Snapshot), ParameterSetName = new[] { ParameterSets.ByInputObject, ParameterSets.ById, ParameterSets.ByName })]
[OutputType(typeof(Volume), ParameterSetName = new[] { ParameterSets.FromCopy })]
public sealed class RestoreStorageSnapshotCommand : SnapshotByNameCmdlet
{
    /// <summary>
    /// The snapshot's id. Binds piped strings; never the Id property of piped objects (a volume's Id is not a
    /// snapshot's), and a piped object of another kind is refused with a clear error.
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ParameterSets.ById)]
    [ValidateNotNullOrEmpty]
    [NameOnly("snapshot ids", typeof(Snapshot), typeof(SnapshotCopy))]
    [ArgumentCompleter(typeof(SnapshotIdCompleter))]
    public string Id { get; set; } = "";

    /// <summary>A copy object from Get-SnapshotCopy (piped): the copy's volume is restored from it.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ParameterSets.FromCopy)]
    [ValidateNotNull]
    public SnapshotCopy? FromCopy { get; set; }

    /// <summary>Skips the confirmation prompt (-WhatIf still changes nothing).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Writes the snapshot after the revert (with -FromCopy: the volume after the restore).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (FromCopy is not null)
        {
            var copyId = FromCopy.Id;
            if (TryRun((engine, context) => engine.RestoreSnapshotFromCopyAsync(copyId, context), FromCopy, out var volume,
                    (target, action) => ShouldProcessUnlessForced(target, action, Force))
                && volume is not null && PassThru)
            {
                WriteObject(volume);
            }
            return;
        }

        var selector = InputObject is not null ? SnapshotSelector.Of(InputObject)
            : ParameterSetName == ParameterSets.ByName ? ByNameSelector()
            : new SnapshotSelector(Id: Id);
        if (TryRun((engine, context) => engine.RevertSnapshotAsync(selector, context), (object?)InputObject ?? selector.ToString(), out var snapshot,
                (target, action) => ShouldProcessUnlessForced(target, action, Force))
            && snapshot is not null && PassThru)
        {
            WriteObject(snapshot);
        }
    }
}
