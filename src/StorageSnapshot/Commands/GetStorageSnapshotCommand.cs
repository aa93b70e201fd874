using System.Collections;
using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;
using StorageSnapshot.Commands.Parameters;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands;

/// <summary>Get-StorageSnapshot: snapshots in the inventory, filtered by name, id, volume, backend, tags and state.</summary>
/// <remarks>
/// Piped objects bind by property name: a volume's Volume (an alias of its Name) and Backend give its snapshots; a
/// snapshot's or copy's SnapshotId (a snapshot's alias of its Id) gives exactly that snapshot. -Name and -Id take no
/// pipeline input: a piped volume's Name and Id are not a snapshot's.
/// </remarks>
[Cmdlet(VerbsCommon.Get, "StorageSnapshot", HelpUri = HelpLinks.Base + "Get-StorageSnapshot.md")]
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
    [ArgumentCompleter(typeof(SnapshotIdCompleter))]
    public string[]? Id { get; set; }

    /// <summary>Only snapshots of these volumes: volume objects or names (wildcards allowed).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [PSTypeName(TypeNames.Volume)]
    [NamedObject(typeof(Volume))]
    [ArgumentCompleter(typeof(VolumeNameCompleter))]
    public object[]? Volume { get; set; }

    /// <summary>Only snapshots on these backends: backend objects or names (wildcards allowed).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [PSTypeName(TypeNames.Backend)]
    [NamedObject(typeof(Backend))]
    [ArgumentCompleter(typeof(BackendNameCompleter))]
    public object[]? Backend { get; set; }

    /// <summary>Only snapshots that carry every one of these tags with an equal value ('*' matches any value).</summary>
    [Parameter]
    public Hashtable? Tag { get; set; }

    /// <summary>Only snapshots in these states.</summary>
    [Parameter]
    public SnapshotState[]? State { get; set; }

    /// <summary>The SnapshotId of piped snapshots and copies (hidden: it exists for the pipeline; -Id is the same filter for typing).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    [ValidateNotNullOrEmpty]
    public string[]? SnapshotId { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var volumes = NamedObject.Elements(Volume);
        var filter = new SnapshotFilter
        {
            Names = Name,
            Ids = Id is null && SnapshotId is null ? null : (Id ?? []).Concat(SnapshotId ?? []).ToArray(),
            Volumes = Volume is null ? null : volumes.Where(v => v is not StorageSnapshot.Volume).Select(v => v.ToString()!).ToArray(),
            VolumeIds = Volume is null ? null : volumes.OfType<Volume>().Select(v => v.Id).ToArray(),
            Backends = NamedObject.Names<Backend>(Backend, b => b.Name),
            Tags = Tag is null ? null : Hashtables.ToStrings(Tag),
            States = State,
        };
        if (TryRun((engine, context) => engine.GetSnapshotsAsync(filter, context), (object?)Name ?? (object?)filter.Ids ?? Volume, out var snapshots))
        {
            foreach (var snapshot in snapshots) WriteObject(snapshot);
        }
    }
}
