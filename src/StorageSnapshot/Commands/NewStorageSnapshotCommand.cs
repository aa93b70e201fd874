using System.Collections;
using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;
using StorageSnapshot.Commands.Parameters;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands;

/// <summary>New-StorageSnapshot: takes a snapshot of a volume.</summary>
/// <remarks>
/// How piped input binds (what PowerShell's binder does is pinned by tests/StorageSnapshot.PowerShell.Tests):
/// <list type="bullet">
/// <item><c>Get-StorageVolume -Backend lab | New-StorageSnapshot</c>: the volume binds -Volume by value (the volume
/// itself, used by id).</item>
/// <item><c>'v1','v2' | New-StorageSnapshot -Backend lab</c>: each string is a volume name.</item>
/// <item><c>Get-StorageSnapshot s | New-StorageSnapshot</c>: -Volume and -Backend bind the snapshot's Volume and
/// Backend properties: a new snapshot of the same volume.</item>
/// </list>
/// -Name and -Description are never bound from the pipeline: a piped volume's Name is not a snapshot name.
/// </remarks>
[Cmdlet(VerbsCommon.New, "StorageSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low,
    HelpUri = HelpLinks.Base + "New-StorageSnapshot.md")]
[OutputType(typeof(Snapshot))]
public sealed class NewStorageSnapshotCommand : StorageSnapshotCmdlet
{
    /// <summary>The volume: a volume object or a volume name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNull]
    [PSTypeName(TypeNames.Volume)]
    [NamedObject(typeof(Volume))]
    [ArgumentCompleter(typeof(VolumeNameCompleter))]
    public object? Volume { get; set; }

    /// <summary>The volume's backend (an object or a name), when -Volume is a name that exists on several backends.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNull]
    [PSTypeName(TypeNames.Backend)]
    [NamedObject(typeof(Backend))]
    [ArgumentCompleter(typeof(BackendNameCompleter))]
    public object? Backend { get; set; }

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
        var volume = NamedObject.ObjectOf<Volume>(Volume);
        var selector = volume is not null
            ? VolumeSelector.Of(volume)
            : new VolumeSelector(Backend: NamedObject.NameOf<Backend>(Backend, b => b.Name), Name: NamedObject.NameOf<Volume>(Volume, v => v.Name));
        var request = new NewSnapshotRequest(selector)
        {
            Name = Name,
            Description = Description,
            Tags = Tag is null ? null : Hashtables.ToStrings(Tag),
            ExpiresAt = ExpiresAt,
            ClientToken = ClientToken,
        };
        if (TryRun((engine, context) => engine.NewSnapshotAsync(request, context), (object?)volume ?? selector.ToString(), out var snapshot)
            && snapshot is not null)
        {
            WriteObject(snapshot);
        }
    }
}
