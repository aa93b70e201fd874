using System.Collections;
using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;
using StorageSnapshot.Commands.Parameters;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands;

/// <summary>Set-StorageSnapshot: renames a snapshot or changes its description, tags or expiry (inventory only).</summary>
[Cmdlet(VerbsCommon.Set, "StorageSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low,
    DefaultParameterSetName = ParameterSets.ByInputObject, HelpUri = HelpLinks.Base + "Set-StorageSnapshot.md")]
[OutputType(typeof(Snapshot))]
public sealed class SetStorageSnapshotCommand : SnapshotByNameCmdlet
{
    /// <summary>
    /// Snapshot ids. Binds piped strings; never the Id property of piped objects (a volume's Id is not a
    /// snapshot's), and a piped object of another kind is refused with a clear error.
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ParameterSets.ById)]
    [ValidateNotNullOrEmpty]
    [NameOnly("snapshot ids", typeof(Snapshot))]
    [ArgumentCompleter(typeof(SnapshotIdCompleter))]
    public string[] Id { get; set; } = [];

    /// <summary>A new name (unique per volume).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? NewName { get; set; }

    /// <summary>A new description.</summary>
    [Parameter]
    public string? Description { get; set; }

    /// <summary>Tags to add or replace; a $null value removes the tag.</summary>
    [Parameter]
    public Hashtable? Tag { get; set; }

    /// <summary>A new expiry (must be in the future).</summary>
    [Parameter]
    public DateTime? ExpiresAt { get; set; }

    /// <summary>Removes the expiry.</summary>
    [Parameter]
    public SwitchParameter ClearExpiry { get; set; }

    /// <summary>Writes the changed snapshot.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var selectors = InputObject is not null ? [SnapshotSelector.Of(InputObject)]
            : ParameterSetName == ParameterSets.ByName ? [ByNameSelector()]
            : Id.Select(id => new SnapshotSelector(Id: id)).ToArray();
        foreach (var selector in selectors)
        {
            var request = new SetSnapshotRequest(selector)
            {
                NewName = NewName,
                Description = Description,
                Tags = Tag is null ? null : Hashtables.ToNullableStrings(Tag),
                ExpiresAt = ExpiresAt,
                ClearExpiry = ClearExpiry,
            };
            if (TryRun((engine, context) => engine.SetSnapshotAsync(request, context), (object?)InputObject ?? selector.ToString(), out var snapshot)
                && snapshot is not null && PassThru)
            {
                WriteObject(snapshot);
            }
        }
    }
}
