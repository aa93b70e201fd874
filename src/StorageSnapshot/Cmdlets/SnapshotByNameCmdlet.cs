using System.Management.Automation;
using StorageSnapshot.Commands.Completion;
using StorageSnapshot.Commands.Parameters;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands.Cmdlets;

/// <summary>
/// Base of the cmdlets that act on a snapshot given as a piped object (the ByInputObject set) or by -Name with
/// -Volume and -Backend (the ByName set): Remove-, Restore- and Set-StorageSnapshot. Each adds its own -Id (one id
/// or several) and the parameters of what it does; the selection parameters are declared once, here.
/// </summary>
public abstract class SnapshotByNameCmdlet : StorageSnapshotCmdlet
{
    /// <summary>A snapshot object from Get-StorageSnapshot (piped).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ParameterSets.ByInputObject)]
    [ValidateNotNull]
    public Snapshot? InputObject { get; set; }

    /// <summary>The snapshot's name (with -Volume, or alone when only one volume has a snapshot of that name).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ParameterSets.ByName)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SnapshotNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>The snapshot's volume: a volume object or a name.</summary>
    [Parameter(ParameterSetName = ParameterSets.ByName)]
    [ValidateNotNull]
    [PSTypeName(TypeNames.Volume)]
    [NamedObject(typeof(Volume))]
    [ArgumentCompleter(typeof(VolumeNameCompleter))]
    public object? Volume { get; set; }

    /// <summary>The volume's backend (an object or a name), when the volume name exists on several.</summary>
    [Parameter(ParameterSetName = ParameterSets.ByName)]
    [ValidateNotNull]
    [PSTypeName(TypeNames.Backend)]
    [NamedObject(typeof(Backend))]
    [ArgumentCompleter(typeof(BackendNameCompleter))]
    public object? Backend { get; set; }

    /// <summary>The snapshot -Name, -Volume and -Backend select (the ByName set).</summary>
    private protected SnapshotSelector ByNameSelector() => SnapshotByName.Selector(Name, Volume, Backend);
}
