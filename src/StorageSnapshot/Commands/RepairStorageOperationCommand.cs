using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands;

/// <summary>
/// Repair-StorageOperation: settles operations a dead process left unfinished (NeedsRecovery), and in-place restores
/// that failed and left something behind — rolled forward or back as the engine decides from the journal and the
/// storage; ShouldProcess says which way and why. Writes each entry, Recovered.
/// </summary>
/// <remarks><c>Get-StorageOperation -State NeedsRecovery | Repair-StorageOperation</c>, or <c>Repair-StorageOperation -All</c>.</remarks>
[Cmdlet(VerbsDiagnostic.Repair, "StorageOperation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = ParameterSets.ByInputObject, HelpUri = HelpLinks.Base + "Repair-StorageOperation.md")]
[OutputType(typeof(Operation))]
public sealed class RepairStorageOperationCommand : StorageSnapshotCmdlet
{
    private const string AllSet = "All";

    /// <summary>Journal entries to repair (from Get-StorageOperation).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ParameterSets.ByInputObject)]
    [ValidateNotNull]
    public Operation? InputObject { get; set; }

    /// <summary>Journal ids to repair.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ParameterSets.ById)]
    [ValidateNotNullOrEmpty]
    public string[]? Id { get; set; }

    /// <summary>Repair every entry that needs it, oldest first.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AllSet)]
    public SwitchParameter All { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        IReadOnlyList<(string Id, object Target)> entries;
        if (ParameterSetName == AllSet)
        {
            if (!TryRun((engine, context) => engine.GetRepairableOperationsAsync(context), "the journal", out var repairable)) return;
            entries = repairable.Select(o => (o.Id, (object)o)).ToArray();
        }
        else
        {
            entries = InputObject is not null ? [(InputObject.Id, InputObject)] : (Id ?? []).Select(id => (id, (object)id)).ToArray();
        }
        foreach (var (id, target) in entries)
        {
            if (TryRun((engine, context) => engine.RepairOperationAsync(id, context), target, out var recovered) && recovered is not null)
                WriteObject(recovered);
        }
    }
}
