using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;
using StorageSnapshot.Commands.Parameters;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands;

/// <summary>Get-StorageVolume: volumes in the inventory, by name pattern, backend or id.</summary>
/// <remarks>
/// Piped objects bind by property name: a backend's Backend (an alias of its Name, StorageSnapshot.Types.ps1xml)
/// gives its volumes; a volume's, snapshot's or copy's VolumeId (a volume's alias of its Id) gives exactly that
/// volume, and their Backend agrees. -Name takes no pipeline input: every object has a Name that is not a volume
/// name, and a [string[]] ValueFromPipeline parameter would accept any object through ToString().
/// </remarks>
[Cmdlet(VerbsCommon.Get, "StorageVolume", HelpUri = HelpLinks.Base + "Get-StorageVolume.md")]
[OutputType(typeof(Volume))]
public sealed class GetStorageVolumeCommand : StorageSnapshotCmdlet
{
    /// <summary>Volume names; wildcards allowed. All volumes when omitted.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(VolumeNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Only volumes on these backends: backend objects or names (wildcards allowed).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [PSTypeName(TypeNames.Backend)]
    [NamedObject(typeof(Backend))]
    [ArgumentCompleter(typeof(BackendNameCompleter))]
    public object[]? Backend { get; set; }

    /// <summary>Volume ids.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(VolumeIdCompleter))]
    public string[]? Id { get; set; }

    /// <summary>
    /// The VolumeId of piped volumes, snapshots and copies (hidden: it exists for the pipeline, -Id is the same
    /// filter for typing).
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    [ValidateNotNullOrEmpty]
    public string[]? VolumeId { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var ids = Id is null && VolumeId is null ? null : (Id ?? []).Concat(VolumeId ?? []).ToArray();
        var filter = new VolumeFilter(Names: Name, Backends: NamedObject.Names<Backend>(Backend, b => b.Name), Ids: ids);
        if (TryRun((engine, context) => engine.GetVolumesAsync(filter, context), (object?)Name ?? (object?)ids ?? Backend, out var volumes))
        {
            foreach (var volume in volumes) WriteObject(volume);
        }
    }
}
