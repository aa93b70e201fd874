using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;
using StorageSnapshot.Commands.Parameters;

namespace StorageSnapshot.Commands;

/// <summary>
/// Test-SnapshotCopy: proves a copy restores — re-hashes its manifest and every stored chunk, and with -Source
/// also compares it with the primary snapshot. Each problem is written as a CopyCorrupt error; the result
/// says whether the copy is valid.
/// </summary>
/// <remarks>
/// Piped copies bind -InputObject; piped snapshots and strings bind -Snapshot (the BySnapshot set: the snapshot's
/// copies, on -Destination when given). -Id takes no pipeline input, so a piped string is a snapshot name.
/// </remarks>
[Cmdlet(VerbsDiagnostic.Test, "SnapshotCopy", DefaultParameterSetName = ParameterSets.ByInputObject,
    HelpUri = HelpLinks.Base + "Test-SnapshotCopy.md")]
[OutputType(typeof(SnapshotCopyTest))]
public sealed class TestSnapshotCopyCommand : StorageSnapshotCmdlet
{
    /// <summary>A copy object from Get-SnapshotCopy (piped).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ParameterSets.ByInputObject)]
    [ValidateNotNull]
    public SnapshotCopy? InputObject { get; set; }

    /// <summary>The copy's id.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ParameterSets.ById)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(CopyIdCompleter))]
    public string Id { get; set; } = "";

    /// <summary>The snapshot whose copies to test: a snapshot object or the snapshot's name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = CopyBySnapshot.SetName)]
    [ValidateNotNull]
    [PSTypeName(TypeNames.Snapshot)]
    [NamedObject(typeof(Snapshot))]
    [ArgumentCompleter(typeof(CopyNameCompleter))]
    public object? Snapshot { get; set; }

    /// <summary>Only its copy on this secondary storage (an object or a name).</summary>
    [Parameter(ParameterSetName = CopyBySnapshot.SetName)]
    [ValidateNotNull]
    [PSTypeName(TypeNames.SecondaryStorage)]
    [NamedObject(typeof(SecondaryStorage))]
    [ArgumentCompleter(typeof(SecondaryStorageNameCompleter))]
    public object? Destination { get; set; }

    /// <summary>The snapshot's volume (an object or a name), when several volumes have snapshots of that name.</summary>
    [Parameter(ParameterSetName = CopyBySnapshot.SetName)]
    [ValidateNotNull]
    [PSTypeName(TypeNames.Volume)]
    [NamedObject(typeof(Volume))]
    [ArgumentCompleter(typeof(VolumeNameCompleter))]
    public object? Volume { get; set; }

    /// <summary>Also reads the primary snapshot the copy was made from and compares them.</summary>
    [Parameter]
    public SwitchParameter Source { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        IReadOnlyList<(string Id, object Target)> copies;
        if (ParameterSetName == CopyBySnapshot.SetName)
        {
            var filter = CopyBySnapshot.Filter(Snapshot, Destination, Volume);
            if (!TryRun((engine, context) => engine.RequireSnapshotCopiesAsync(filter, context), Snapshot, out var found)) return;
            copies = found.Select(c => (c.Id, (object)c)).ToArray();
        }
        else
        {
            copies = [(InputObject?.Id ?? Id, (object?)InputObject ?? Id)];
        }
        foreach (var (id, target) in copies)
        {
            if (TryRun((engine, context) => engine.TestSnapshotCopyAsync(id, Source, context), target, out var result))
            {
                WriteObject(result);
            }
        }
    }
}
