using System.Collections;
using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;
using StorageSnapshot.Commands.Parameters;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands;

/// <summary>Get-StorageSnapshot: snapshots in the inventory, filtered by name, id, volume, backend, tags and state.</summary>
/// <remarks>
/// <c>Get-StorageVolume db01 | Get-StorageSnapshot</c> binds -Volume and -Backend by property name (a Volume gets
/// an alias property Volume → Name from StorageSnapshot.Types.ps1xml). -Name and -Id take no pipeline input: a
/// piped volume's Name and Id are not a snapshot's.
/// </remarks>
[Cmdlet(VerbsCommon.Get, "StorageSnapshot")]
[OutputType(typeof(Snapshot))]
public sealed class GetStorageSnapshotCommand : StorageSnapshotCmdlet
{
    /// <summary>Snapshot names; wildcards allowed. A plain name that matches nothing is a SnapshotNotFound error.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SnapshotNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Snapshot ids.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Id { get; set; }

    /// <summary>Only snapshots of these volumes (names; wildcards allowed). Bound from piped volumes and snapshots.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(VolumeNameCompleter))]
    public string[]? Volume { get; set; }

    /// <summary>Only snapshots on these backends (wildcards allowed). Bound from piped objects' Backend property.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(BackendNameCompleter))]
    public string[]? Backend { get; set; }

    /// <summary>Only snapshots that carry every one of these tags with an equal value ('*' matches any value).</summary>
    [Parameter]
    public Hashtable? Tag { get; set; }

    /// <summary>Only snapshots in these states.</summary>
    [Parameter]
    public SnapshotState[]? State { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var filter = new SnapshotFilter
        {
            Names = Name,
            Ids = Id,
            Volumes = Volume,
            Backends = Backend,
            Tags = Tag is null ? null : Hashtables.ToStrings(Tag),
            States = State,
        };
        if (TryRun((engine, context) => engine.GetSnapshotsAsync(filter, context), (object?)Name ?? Id, out var snapshots))
        {
            foreach (var snapshot in snapshots) WriteObject(snapshot);
        }
    }
}
