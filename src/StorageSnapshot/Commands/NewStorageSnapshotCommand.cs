using System.Collections;
using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;
using StorageSnapshot.Commands.Parameters;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands;

/// <summary>New-StorageSnapshot: takes a snapshot of a volume.</summary>
/// <remarks>
/// How piped input binds (PowerShell tries, per object: by value without conversion, by property name without
/// conversion, by value with conversion, by property name with conversion):
/// <list type="bullet">
/// <item><c>Get-StorageVolume -Backend lab | New-StorageSnapshot</c>: -Backend binds the volume's Backend by
/// property name; -Volume binds the volume itself by value through <see cref="VolumeParameter"/>'s implicit
/// conversion (the volume is then used by id, so -Backend does not matter).</item>
/// <item><c>'v1','v2' | New-StorageSnapshot -Backend lab</c>: each string converts to a VolumeParameter by name.</item>
/// <item><c>Get-StorageSnapshot s | New-StorageSnapshot</c>: -Volume and -Backend bind the snapshot's Volume and
/// Backend properties: a new snapshot of the same volume.</item>
/// </list>
/// -Name and -Description are never bound from the pipeline: a piped volume's Name is not a snapshot name.
/// </remarks>
[Cmdlet(VerbsCommon.New, "StorageSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(Snapshot))]
public sealed class NewStorageSnapshotCommand : StorageSnapshotCmdlet
{
    /// <summary>The volume: a volume object or a volume name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNull]
    [ArgumentCompleter(typeof(VolumeNameCompleter))]
    public VolumeParameter? Volume { get; set; }

    /// <summary>The volume's backend, when -Volume is a name that exists on several backends.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(BackendNameCompleter))]
    public string? Backend { get; set; }

    /// <summary>The snapshot's name (unique per volume); default: the volume name and a UTC timestamp.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>Free text.</summary>
    [Parameter]
    public string? Description { get; set; }

    /// <summary>Tags (keys are case-insensitive), for example @{ app = 'db' }.</summary>
    [Parameter]
    public Hashtable? Tag { get; set; }

    /// <summary>When retention may delete the snapshot; must be in the future.</summary>
    [Parameter]
    public DateTime? ExpiresAt { get; set; }

    /// <summary>Idempotency token: repeating a create with the same token on the same volume returns the first snapshot.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ClientToken { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var volume = Volume!;
        var selector = volume.Volume is not null ? VolumeSelector.Of(volume.Volume) : new VolumeSelector(Backend: Backend, Name: volume.Name);
        var request = new NewSnapshotRequest(selector)
        {
            Name = Name,
            Description = Description,
            Tags = Tag is null ? null : Hashtables.ToStrings(Tag),
            ExpiresAt = ExpiresAt,
            ClientToken = ClientToken,
        };
        if (TryRun((engine, context) => engine.NewSnapshotAsync(request, context), (object?)volume.Volume ?? selector.ToString(), out var snapshot)
            && snapshot is not null)
        {
            WriteObject(snapshot);
        }
    }
}
