using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Operations.Journal;

namespace StorageSnapshot.Engine.Operations.Changes;

/// <summary>Register-StorageBackend: the backend (its secret properties already protected) recorded, unless its location is taken meanwhile.</summary>
internal sealed class RegisterBackendChange(BackendRules rules, IStorageDriver driver, Backend backend, IReadOnlyDictionary<string, string> clearProperties)
    : InventoryChange<Backend>
{
    public override object TargetObject => backend.Name;

    public override async Task<ChangeOutcome<Backend>> ApplyAsync(IInventoryTransaction transaction, CancellationToken cancellationToken)
    {
        await rules.RequireOwnLocationAsync(transaction, driver, backend.Name, clearProperties, cancellationToken).ConfigureAwait(false);
        await transaction.InsertBackendAsync(backend, cancellationToken).ConfigureAwait(false);
        var stored = await transaction.GetBackendAsync(backend.Name, cancellationToken).ConfigureAwait(false) ?? backend;
        return new(stored, EventKind.BackendRegistered, EventSubject.OfBackend(stored.Name), $"Registered backend '{stored.Name}' (driver '{stored.Driver}').");
    }
}

/// <summary>
/// Set-StorageBackend: new properties and maintenance fields over the backend as it is now. A change of where the
/// data is is checked again here: a volume created meanwhile must keep the location it was made at. One event:
/// maintenance on or off when that changed, else updated; the message lists every change.
/// </summary>
internal sealed class SetBackendChange(BackendRules rules, IStorageDriver driver, Backend updated, IReadOnlyList<string> changes) : InventoryChange<Backend>
{
    public override object TargetObject => updated.Name;

    public override async Task<ChangeOutcome<Backend>> ApplyAsync(IInventoryTransaction transaction, CancellationToken cancellationToken)
    {
        var current = await transaction.GetBackendAsync(updated.Name, cancellationToken).ConfigureAwait(false)
                      ?? throw EngineErrors.BackendNotFound(updated.Name);
        var relocating = BackendRules.LocatingPropertiesChanged(driver, current.Properties, updated.Properties);
        if (relocating.Count > 0)
        {
            await rules.RequireNoVolumesToRelocateAsync(transaction, current, relocating, cancellationToken).ConfigureAwait(false);
            await rules.RequireOwnLocationAsync(transaction, driver, current.Name, updated.Properties, cancellationToken).ConfigureAwait(false);
        }
        var written = current with { Properties = updated.Properties, MaintenanceMode = updated.MaintenanceMode, MaintenanceReason = updated.MaintenanceReason };
        await transaction.UpdateBackendAsync(written, cancellationToken).ConfigureAwait(false);
        var kind = current.MaintenanceMode == written.MaintenanceMode ? EventKind.BackendUpdated
            : written.MaintenanceMode ? EventKind.BackendMaintenanceOn
            : EventKind.BackendMaintenanceOff;
        return new(written, kind, EventSubject.OfBackend(current.Name), $"Backend '{current.Name}': {string.Join("; ", changes)}.");
    }
}

/// <summary>Unregister-StorageBackend: the backend forgotten (its storage is never touched), unless volumes appeared on it meanwhile.</summary>
internal sealed class UnregisterBackendChange(BackendRules rules, Backend backend) : InventoryChange<bool>
{
    public override object TargetObject => backend.Name;

    public override async Task<ChangeOutcome<bool>> ApplyAsync(IInventoryTransaction transaction, CancellationToken cancellationToken)
    {
        await rules.RequireNoVolumesAsync(transaction, backend, cancellationToken).ConfigureAwait(false);
        await transaction.DeleteBackendAsync(backend.Name, cancellationToken).ConfigureAwait(false);
        return new(true, EventKind.BackendUnregistered, EventSubject.OfBackend(backend.Name), $"Unregistered backend '{backend.Name}'.");
    }
}
