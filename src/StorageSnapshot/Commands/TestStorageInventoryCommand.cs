using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;
using StorageSnapshot.Commands.Parameters;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands;

/// <summary>
/// Test-StorageInventory: compares the inventory with what each backend's driver lists and with each secondary
/// storage's manifests, and writes every difference as a StorageDrift (orphan, missing, parent gone, leftover,
/// unreferenced chunks). With -Repair it adopts, forgets or removes each difference that repair applies to, asking
/// ShouldProcess per item (ConfirmImpact High: -Force skips the prompt, -WhatIf changes nothing); each repair is a
/// journaled operation (RepairDrift). Writes nothing when the inventory and the storage agree.
/// </summary>
/// <remarks>
/// Test is the verb for checking a resource's consistency (Test-Path, Test-Connection); the repair it offers is the
/// -Repair parameter, as the cmdlet contract names it.
/// </remarks>
[Cmdlet(VerbsDiagnostic.Test, "StorageInventory", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High,
    HelpUri = HelpLinks.Base + "Test-StorageInventory.md")]
[OutputType(typeof(StorageDrift))]
public sealed class TestStorageInventoryCommand : StorageSnapshotCmdlet
{
    /// <summary>Only these backends: objects or names (wildcards allowed). Bound from piped backends.</summary>
    [Parameter(ValueFromPipeline = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [PSTypeName(TypeNames.Backend)]
    [NamedObject(typeof(Backend))]
    [ArgumentCompleter(typeof(BackendNameCompleter))]
    public object[]? Backend { get; set; }

    /// <summary>Only these secondary storages: objects or names (wildcards allowed).</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [PSTypeName(TypeNames.SecondaryStorage)]
    [NamedObject(typeof(SecondaryStorage))]
    [ArgumentCompleter(typeof(SecondaryStorageNameCompleter))]
    public object[]? Destination { get; set; }

    /// <summary>Adopt, Forget or Remove every difference this repair applies to (asks first, per difference).</summary>
    [Parameter]
    public DriftRepair? Repair { get; set; }

    /// <summary>How old an unreferenced chunk must be to be reported (and removed): 24 hours when omitted.</summary>
    [Parameter]
    public TimeSpan? GracePeriod { get; set; }

    /// <summary>Skips the confirmation prompt of -Repair (-WhatIf still changes nothing).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var request = new InventoryCheckRequest
        {
            Backends = NamedObject.Names<Backend>(Backend, b => b.Name),
            Destinations = NamedObject.Names<SecondaryStorage>(Destination, s => s.Name),
            Repair = Repair,
        };
        // Without -GracePeriod the engine's default (the chunk collector's) applies.
        if (GracePeriod is { } grace) request = request with { GracePeriod = grace };
        if (TryRun((engine, context) => engine.TestInventoryAsync(request, context), (object?)Backend ?? (object?)Destination ?? "the inventory", out var drifts,
                (target, action) => ShouldProcessUnlessForced(target, action, Force)))
        {
            foreach (var drift in drifts) WriteObject(drift);
        }
    }
}
