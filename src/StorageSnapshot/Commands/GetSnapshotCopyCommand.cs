using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;
using StorageSnapshot.Commands.Parameters;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands;

/// <summary>Get-SnapshotCopy: copies on secondary storage, by snapshot, volume, destination, state or id.</summary>
/// <remarks>
/// <c>Get-StorageSnapshot -Volume db01 | Get-SnapshotCopy</c>: piped snapshots bind -Snapshot by value. A piped volume
/// binds -Volume (its alias of Name) and -Backend by property name: the copies of its snapshots. A piped secondary
/// storage binds -Destination (its alias of Name); a piped copy or copy test binds the hidden -CopyId.
/// </remarks>
[Cmdlet(VerbsCommon.Get, "SnapshotCopy", DefaultParameterSetName = ParameterSets.ByName, HelpUri = HelpLinks.Base + "Get-SnapshotCopy.md")]
[OutputType(typeof(SnapshotCopy))]
public sealed class GetSnapshotCopyCommand : StorageSnapshotCmdlet
{
    /// <summary>Names of the snapshots copied; wildcards allowed. All copies when omitted.</summary>
    [Parameter(Position = 0, ParameterSetName = ParameterSets.ByName)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(CopyNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Snapshot objects (piped) whose copies to list.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ParameterSets.ByInputObject)]
    [ValidateNotNull]
    public Snapshot[]? Snapshot { get; set; }

    /// <summary>Copy ids.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ParameterSets.ById)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(CopyIdCompleter))]
    public string[]? Id { get; set; }

    /// <summary>Secondary storages: objects or names (wildcards allowed). Bound from piped secondary storages.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [PSTypeName(TypeNames.SecondaryStorage)]
    [NamedObject(typeof(SecondaryStorage))]
    [ArgumentCompleter(typeof(SecondaryStorageNameCompleter))]
    public object[]? Destination { get; set; }

    /// <summary>Only copies of snapshots of these volumes: volume objects or names (wildcards allowed). Bound from piped volumes.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [PSTypeName(TypeNames.Volume)]
    [NamedObject(typeof(Volume))]
    [ArgumentCompleter(typeof(VolumeNameCompleter))]
    public object[]? Volume { get; set; }

    /// <summary>Only copies of snapshots on these backends: objects or names (wildcards allowed). Bound from piped objects' Backend.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [PSTypeName(TypeNames.Backend)]
    [NamedObject(typeof(Backend))]
    [ArgumentCompleter(typeof(BackendNameCompleter))]
    public object[]? Backend { get; set; }

    /// <summary>Only copies in these states.</summary>
    [Parameter]
    public CopyState[]? State { get; set; }

    /// <summary>The CopyId of piped copies and copy tests (hidden: it exists for the pipeline; -Id is the same filter for typing).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    [ValidateNotNullOrEmpty]
    public string[]? CopyId { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var volumes = NamedObject.Elements(Volume);
        var filter = new CopyFilter
        {
            SnapshotNames = Name,
            SnapshotIds = Snapshot?.Select(s => s.Id).ToArray(),
            Ids = Id is null && CopyId is null ? null : (Id ?? []).Concat(CopyId ?? []).ToArray(),
            Destinations = NamedObject.Names<SecondaryStorage>(Destination, s => s.Name),
            Volumes = Volume is null ? null : volumes.Where(v => v is not StorageSnapshot.Volume).Select(v => v.ToString()!).ToArray(),
            VolumeIds = Volume is null ? null : volumes.OfType<Volume>().Select(v => v.Id).ToArray(),
            Backends = NamedObject.Names<Backend>(Backend, b => b.Name),
            States = State,
        };
        if (TryRun((engine, context) => engine.GetSnapshotCopiesAsync(filter, context), (object?)Snapshot ?? (object?)filter.Ids ?? Name, out var copies))
        {
            foreach (var copy in copies) WriteObject(copy);
        }
    }
}
