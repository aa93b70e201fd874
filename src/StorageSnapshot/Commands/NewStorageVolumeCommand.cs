using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;
using StorageSnapshot.Commands.Parameters;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands;

/// <summary>
/// New-StorageVolume: creates an empty volume, clones one from a snapshot (-FromSnapshot), or restores one from
/// a copy on secondary storage (-FromCopy: on the copy's backend, or on -Backend; the new volume is removed again
/// if the restore fails).
/// </summary>
/// <remarks>
/// <c>Get-StorageSnapshot x | New-StorageVolume -Name c1</c> must clone, never prompt for -SizeBytes: so the default
/// set is FromSnapshot (PowerShell prompts for the default set's missing mandatory parameters before it binds
/// the pipeline), and -Backend binds only backends and names by value, never a piped object's Backend property.
/// -Name is never bound from the pipeline, so a piped object's own Name cannot become the new volume's name.
/// </remarks>
[Cmdlet(VerbsCommon.New, "StorageVolume", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low,
    DefaultParameterSetName = ParameterSets.FromSnapshot, HelpUri = HelpLinks.Base + "New-StorageVolume.md")]
[OutputType(typeof(Volume))]
public sealed class NewStorageVolumeCommand : StorageSnapshotCmdlet
{
    /// <summary>
    /// The backend (an object or a name) to create the volume on; with -FromCopy, another backend than the copy's
    /// to restore onto.
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ParameterSets.Empty)]
    [Parameter(ParameterSetName = ParameterSets.FromCopy)]
    [ValidateNotNull]
    [PSTypeName(TypeNames.Backend)]
    [NamedObject(typeof(Backend))]
    [ArgumentCompleter(typeof(BackendNameCompleter))]
    public object? Backend { get; set; }

    /// <summary>The new volume's name (unique per backend).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>The new volume's size in bytes (PowerShell's 10GB notation works).</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = ParameterSets.Empty)]
    [ValidateRange(1, long.MaxValue)]
    public long SizeBytes { get; set; }

    /// <summary>The snapshot to clone the new volume from (the clone lands on the snapshot's backend).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ParameterSets.FromSnapshot)]
    [ValidateNotNull]
    public Snapshot? FromSnapshot { get; set; }

    /// <summary>The copy on secondary storage to restore the new volume from (piped from Get-SnapshotCopy).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ParameterSets.FromCopy)]
    [ValidateNotNull]
    public SnapshotCopy? FromCopy { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        Volume? volume;
        bool done;
        var backend = NamedObject.NameOf<Backend>(Backend, b => b.Name);
        if (ParameterSetName == ParameterSets.FromCopy)
        {
            var request = new NewVolumeFromCopyRequest(Name, FromCopy!.Id, backend);
            done = TryRun((engine, context) => engine.NewVolumeFromCopyAsync(request, context), FromCopy, out volume);
        }
        else if (ParameterSetName == ParameterSets.FromSnapshot)
        {
            var request = new CloneVolumeRequest(Name, SnapshotSelector.Of(FromSnapshot!));
            done = TryRun((engine, context) => engine.CloneVolumeAsync(request, context), FromSnapshot, out volume);
        }
        else
        {
            var request = new NewVolumeRequest(backend!, Name, SizeBytes);
            done = TryRun((engine, context) => engine.NewVolumeAsync(request, context), Name, out volume);
        }
        if (done && volume is not null) WriteObject(volume);
    }
}
