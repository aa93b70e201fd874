using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands;

/// <summary>Get-StorageVolume: volumes in the inventory, by name pattern and backend.</summary>
/// <remarks>
/// <c>Get-StorageBackend lab | Get-StorageVolume</c> binds -Backend by property name: a Backend object has no
/// property called Backend of its own, so StorageSnapshot.Types.ps1xml gives it an alias property Backend → Name
/// (pipeline binding by property name sees ETS properties). -Name deliberately takes no pipeline input: a
/// piped backend (or any object) has a Name that is not a volume name, and a [string[]] ValueFromPipeline
/// parameter would also accept any object through ToString() in the "by value with conversion" binding step.
/// </remarks>
[Cmdlet(VerbsCommon.Get, "StorageVolume")]
[OutputType(typeof(Volume))]
public sealed class GetStorageVolumeCommand : StorageSnapshotCmdlet
{
    /// <summary>Volume names; wildcards allowed. All volumes when omitted.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(VolumeNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Only volumes on these backends (wildcards allowed). Bound from piped backends, volumes and snapshots.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(BackendNameCompleter))]
    public string[]? Backend { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var filter = new VolumeFilter(Names: Name, Backends: Backend);
        if (TryRun((engine, context) => engine.GetVolumesAsync(filter, context), (object?)Name ?? Backend, out var volumes))
        {
            foreach (var volume in volumes) WriteObject(volume);
        }
    }
}
