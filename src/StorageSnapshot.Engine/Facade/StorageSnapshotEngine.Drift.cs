using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Operations;
using StorageSnapshot.Engine.Operations.Drift;
using StorageSnapshot.Engine.Secondary;

namespace StorageSnapshot.Engine.Facade;

// Drift and orphan detection (Test-StorageInventory) and rebuilding copy records (Import-SnapshotCopy).
public sealed partial class StorageSnapshotEngine
{
    /// <summary>
    /// Test-StorageInventory: compares the inventory with what each backend's driver lists and with each secondary
    /// storage's manifests (<see cref="BackendDriftScan"/>, <see cref="RepositoryDriftScan"/>) and returns every
    /// difference. With <see cref="InventoryCheckRequest.Repair"/>, each difference that repair applies to is repaired
    /// after ShouldProcess, one journaled operation each (RepairDrift) through the runner, in an order that keeps the
    /// inventory whole (adoptions volumes first, removals snapshots first); a difference it does not apply to is returned
    /// unrepaired with a verbose note. One backend's or storage's failure, and one repair's, is written to the sink and
    /// the rest goes on. A plain name that matches nothing is BackendNotFound / SecondaryStorageNotFound through the sink.
    /// </summary>
    public async Task<IReadOnlyList<StorageDrift>> TestInventoryAsync(InventoryCheckRequest request, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (request.GracePeriod < TimeSpan.Zero) throw EngineErrors.InvalidArgument("The grace period cannot be negative.", request.GracePeriod);
        var cancellationToken = context.CancellationToken;
        var everything = request.Backends is null && request.Destinations is null;
        var backends = everything || request.Backends is not null
            ? MatchByName(await Inventory.ListBackendsAsync(cancellationToken).ConfigureAwait(false), request.Backends, b => b.Name, EngineErrors.BackendNotFound, context)
            : new List<Backend>();
        var storages = everything || request.Destinations is not null
            ? MatchByName(await Inventory.ListSecondaryStoragesAsync(cancellationToken).ConfigureAwait(false), request.Destinations, s => s.Name, SecondaryErrors.StorageNotFound, context)
            : new List<SecondaryStorage>();

        var results = new List<StorageDrift>();
        foreach (var backend in backends)
        {
            var items = await ScanBackendAsync(backend, context).ConfigureAwait(false);
            results.AddRange(await RepairAllAsync(items, request, context, item => runner.RunAsync(new BackendDriftRepair(item, request.Repair!.Value), context)).ConfigureAwait(false));
        }
        foreach (var storage in storages)
        {
            var items = await ScanStorageAsync(storage, request.GracePeriod, context).ConfigureAwait(false);
            results.AddRange(await RepairAllAsync(items, request, context,
                item => runner.RunAsync(new RepositoryDriftRepair(storage, item, request.Repair!.Value, request.GracePeriod, context.Output), context)).ConfigureAwait(false));
        }
        return results;
    }

    /// <summary>
    /// Import-SnapshotCopy: rebuilds the copy records of secondary storage <paramref name="destination"/> from its
    /// repository's manifests, one journaled operation (ImportCopies, <see cref="ImportCopiesOperation"/>) after
    /// ShouldProcess. Returns the copies recorded now (none when every manifest was known: importing twice adds
    /// nothing), or null when ShouldProcess said no.
    /// </summary>
    public async Task<IReadOnlyList<SnapshotCopy>?> ImportCopiesAsync(string destination, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var storage = await RequireSecondaryStorageAsync(destination, context.CancellationToken).ConfigureAwait(false);
        if (!context.ShouldProcess($"secondary storage '{storage.Name}' at {storage.Path}", "Record in the inventory every copy of the repository it does not know yet"))
            return null;
        return await runner.RunAsync(new ImportCopiesOperation(storage, context.Output), context).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<DriftItem>> ScanBackendAsync(Backend backend, OperationContext context)
    {
        var cancellationToken = context.CancellationToken;
        var driver = DriverOf(backend);
        var properties = Secrets.Reveal(backend);
        var secretValues = StorageSnapshot.Engine.Secrets.BackendSecrets.SecretValues(driver, properties);
        IDriverBackend session;
        try
        {
            session = await driver.OpenBackendAsync(backend.Name, properties, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not (OperationCanceledException or StorageSnapshotException))
        {
            context.Output.WriteError(new DriverFailedException(
                $"Driver '{backend.Driver}' could not open backend '{backend.Name}' to compare it with the inventory: {SecretText.Mask(e.Message, secretValues)}", backend.Name,
                SecretText.Scrub(e, secretValues)));
            return [];
        }
        catch (StorageSnapshotException e)
        {
            context.Output.WriteError(e);
            return [];
        }
        try
        {
            Verbose(context, $"Comparing backend '{backend.Name}' with the inventory.");
            return await new BackendDriftScan(Inventory, Options.LockDirectory, context.Output).ScanAsync(backend, session, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not (OperationCanceledException or StorageSnapshotException))
        {
            context.Output.WriteError(new DriverFailedException(
                $"Driver '{backend.Driver}' failed while backend '{backend.Name}' was compared with the inventory: {SecretText.Mask(e.Message, secretValues)}", backend.Name,
                SecretText.Scrub(e, secretValues)));
            return [];
        }
        catch (StorageSnapshotException e) when (e.ErrorId != ErrorIds.OperationCancelled)
        {
            context.Output.WriteError(e);
            return [];
        }
        finally
        {
            await CloseQuietlyAsync(session, backend, context).ConfigureAwait(false);
        }
    }

    private async Task<IReadOnlyList<DriftItem>> ScanStorageAsync(SecondaryStorage storage, TimeSpan gracePeriod, OperationContext context)
    {
        var cancellationToken = context.CancellationToken;
        try
        {
            await using var store = await Options.ChunkStores.OpenAsync(storage, cancellationToken).ConfigureAwait(false);
            Verbose(context, $"Comparing secondary storage '{storage.Name}' with the inventory.");
            return await new RepositoryDriftScan(Inventory, context.Output).ScanAsync(storage, store, gracePeriod, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageSnapshotException e) when (e.ErrorId != ErrorIds.OperationCancelled)
        {
            context.Output.WriteError(e);
            return [];
        }
        catch (Exception e) when (e is not OperationCanceledException && Secondary.Repository.SecondaryStorageErrors.IsStorageFailure(e))
        {
            context.Output.WriteError(Secondary.Repository.SecondaryStorageErrors.From(e, storage.Path, "compare it with the inventory"));
            return [];
        }
    }

    private static async Task<IReadOnlyList<StorageDrift>> RepairAllAsync(IReadOnlyList<DriftItem> items, InventoryCheckRequest request, OperationContext context,
        Func<DriftItem, Task<StorageDrift>> repair)
    {
        if (request.Repair is not { } action) return items.Select(i => i.Drift).ToList();
        var results = new List<StorageDrift>();
        foreach (var item in items.OrderBy(i => i.Order(action)))
        {
            var drift = item.Drift;
            if (!drift.Repairs.Contains(action))
            {
                Verbose(context, $"{action} does not apply to this difference (it takes {string.Join(" or ", drift.Repairs)}): {drift.Description}");
                results.Add(drift);
                continue;
            }
            if (!context.ShouldProcess(Target(drift), $"{action}: {drift.Description}"))
            {
                results.Add(drift);
                continue;
            }
            try
            {
                results.Add(await repair(item).ConfigureAwait(false));
            }
            catch (StorageSnapshotException failure) when (failure.ErrorId != ErrorIds.OperationCancelled)
            {
                context.Output.WriteError(failure);
                results.Add(drift);
            }
        }
        return results;
    }

    private static string Target(StorageDrift drift) => drift.ObjectType switch
    {
        TargetKind.Copy => $"copy {drift.Name} on secondary storage '{drift.Destination}'",
        TargetKind.SecondaryStorage => $"secondary storage '{drift.Destination}'",
        TargetKind.Snapshot => $"snapshot '{drift.Name}' of volume '{drift.Volume}' on backend '{drift.Backend}'",
        _ when drift.Kind == DriftKind.Leftover => $"leftovers of volume '{drift.Volume}' on backend '{drift.Backend}'",
        _ => $"volume '{drift.Volume}' on backend '{drift.Backend}'",
    };
}
