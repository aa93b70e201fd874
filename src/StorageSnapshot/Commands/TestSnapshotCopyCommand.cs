using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;

namespace StorageSnapshot.Commands;

/// <summary>
/// Test-SnapshotCopy: proves a copy restores — re-hashes its manifest and every stored chunk, and with -Source
/// also compares it with the primary snapshot. Each problem is written as a CopyCorrupt error; the result
/// says whether the copy is valid.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "SnapshotCopy", DefaultParameterSetName = ParameterSets.ByInputObject)]
[OutputType(typeof(SnapshotCopyTest))]
public sealed class TestSnapshotCopyCommand : StorageSnapshotCmdlet
{
    /// <summary>A copy object from Get-SnapshotCopy (piped).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ParameterSets.ByInputObject)]
    [ValidateNotNull]
    public SnapshotCopy? InputObject { get; set; }

    /// <summary>The copy's id. Binds piped strings and, by property name, the Id of piped objects.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ParameterSets.ById)]
    [ValidateNotNullOrEmpty]
    public string Id { get; set; } = "";

    /// <summary>Also reads the primary snapshot the copy was made from and compares them.</summary>
    [Parameter]
    public SwitchParameter Source { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var id = InputObject?.Id ?? Id;
        if (TryRun((engine, context) => engine.TestSnapshotCopyAsync(id, Source, context), (object?)InputObject ?? id, out var result))
        {
            WriteObject(result);
        }
    }
}
