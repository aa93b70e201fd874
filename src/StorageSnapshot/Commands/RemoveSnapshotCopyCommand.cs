using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;
using StorageSnapshot.Commands.Parameters;

namespace StorageSnapshot.Commands;

/// <summary>
/// Remove-SnapshotCopy: deletes a copy from secondary storage, then collects the chunks no remaining copy
/// references that are older than the grace period (24 hours), so a copy running elsewhere never loses a chunk.
/// With -Failed: frees at once the space failed copies took (and removed copies left) on the secondary storages
/// named by -Destination (all when omitted).
/// </summary>
/// <remarks>
/// Piped copies bind -InputObject; piped snapshots and strings bind -Snapshot (the BySnapshot set: the snapshot's
/// copies, on -Destination when given). -Id takes no pipeline input, so a piped string is a snapshot name.
/// </remarks>
[Cmdlet(VerbsCommon.Remove, "SnapshotCopy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High,
    DefaultParameterSetName = ParameterSets.ByInputObject, HelpUri = HelpLinks.Base + "Remove-SnapshotCopy.md")]
[OutputType(typeof(void))]
public sealed class RemoveSnapshotCopyCommand : StorageSnapshotCmdlet
{
    private const string FailedSet = "Failed";

    /// <summary>A copy object from Get-SnapshotCopy (piped).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ParameterSets.ByInputObject)]
    [ValidateNotNull]
    public SnapshotCopy? InputObject { get; set; }

    /// <summary>The copy's id.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ParameterSets.ById)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(CopyIdCompleter))]
    public string Id { get; set; } = "";

    /// <summary>The snapshot whose copies to remove: a snapshot object or the snapshot's name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = CopyBySnapshot.SetName)]
    [ValidateNotNull]
    [PSTypeName(TypeNames.Snapshot)]
    [NamedObject(typeof(Snapshot))]
    [ArgumentCompleter(typeof(CopyNameCompleter))]
    public object? Snapshot { get; set; }

    /// <summary>
    /// Only its copy on this secondary storage (an object or a name). With -Failed: the secondary storage to clean
    /// (a name may hold wildcards); all when omitted.
    /// </summary>
    [Parameter(ParameterSetName = CopyBySnapshot.SetName)]
    [Parameter(ParameterSetName = FailedSet)]
    [SupportsWildcards]
    [ValidateNotNull]
    [PSTypeName(TypeNames.SecondaryStorage)]
    [NamedObject(typeof(SecondaryStorage))]
    [ArgumentCompleter(typeof(SecondaryStorageNameCompleter))]
    public object? Destination { get; set; }

    /// <summary>The snapshot's volume (an object or a name), when several volumes have snapshots of that name.</summary>
    [Parameter(ParameterSetName = CopyBySnapshot.SetName)]
    [ValidateNotNull]
    [PSTypeName(TypeNames.Volume)]
    [NamedObject(typeof(Volume))]
    [ArgumentCompleter(typeof(VolumeNameCompleter))]
    public object? Volume { get; set; }

    /// <summary>Skips the confirmation prompt (-WhatIf still changes nothing).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>
    /// Forgets the failed copies and deletes at once every chunk no committed copy references, on the secondary
    /// storage named by -Destination (all when omitted). Waits for running copies, up to the lock timeout.
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = FailedSet)]
    public SwitchParameter Failed { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (ParameterSetName == FailedSet)
        {
            var destinations = NamedObject.Names<SecondaryStorage>(Destination, s => s.Name);
            TryRun((engine, context) => engine.RemoveFailedCopiesAsync(destinations, context), (object?)destinations ?? "every secondary storage", out _,
                (target, action) => ShouldProcessUnlessForced(target, action, Force));
            return;
        }
        IReadOnlyList<(string Id, object Target)> copies;
        if (ParameterSetName == CopyBySnapshot.SetName)
        {
            var filter = CopyBySnapshot.Filter(Snapshot, Destination, Volume);
            if (!TryRun((engine, context) => engine.RequireSnapshotCopiesAsync(filter, context), Snapshot, out var found)) return;
            copies = found.Select(c => (c.Id, (object)c)).ToArray();
        }
        else
        {
            copies = [(InputObject?.Id ?? Id, (object?)InputObject ?? Id)];
        }
        foreach (var (id, target) in copies)
        {
            TryRun((engine, context) => engine.RemoveSnapshotCopyAsync(id, context), target, out _,
                (t, action) => ShouldProcessUnlessForced(t, action, Force));
        }
    }
}
