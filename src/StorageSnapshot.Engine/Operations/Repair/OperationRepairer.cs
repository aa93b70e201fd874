using System.Globalization;
using StorageSnapshot.Engine.Drivers;

using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Operations.Journal;
using StorageSnapshot.Engine.Secondary.Repository;
using StorageSnapshot.Engine.Secrets;

namespace StorageSnapshot.Engine.Operations.Repair;

/// <summary>
/// Settles one unfinished journal entry: under the lock its own process held, with the storage opened, the rule of
/// its kind (<see cref="RepairRules"/>) decides from the entry's typed details and what the storage now shows
/// whether to roll forward or back; ShouldProcess is asked with that decision in words; then the storage work runs
/// and one transaction leaves every object the operation touched settled, the entry Recovered (which way, what was
/// done) and an OperationRecovered event. A failure leaves the entry NeedsRecovery with one more attempt counted;
/// a repair killed half-way is found by the next open like any operation and repaired again (each rule's storage
/// work can run twice). Maintenance mode does not stop a repair: it settles old work, it starts none.
/// </summary>
internal sealed class OperationRepairer
{
    private readonly RunnerSettings options;
    private readonly ISnapshotInventory inventory;
    private readonly BackendSecrets secrets;

    public OperationRepairer(RunnerSettings options, ISnapshotInventory inventory, BackendSecrets secrets)
    {
        this.options = options;
        this.inventory = inventory;
        this.secrets = secrets;
    }

    /// <summary>
    /// True for the entries a repair settles: NeedsRecovery, and an in-place restore from a copy that failed and left
    /// its volume in Error or its safety snapshot on the storage.
    /// </summary>
    public static bool IsRepairable(Operation entry) => entry.State switch
    {
        OperationState.NeedsRecovery => true,
        OperationState.Failed => entry.Details is RestoreFromCopyDetails { Mode: RestoreMode.InPlace } d
                                 && (d.SafetySnapshotLeft || (entry.Error ?? "").Contains("Cleanup also failed", StringComparison.Ordinal)),
        _ => false,
    };

    /// <summary>Repairs the entry; returns it Recovered, or null when ShouldProcess said no (nothing changed).</summary>
    public async Task<Operation?> RepairAsync(string operationId, OperationContext context)
    {
        var cancellationToken = context.CancellationToken;
        var entry = await ReadRepairableAsync(operationId, context.Output, cancellationToken).ConfigureAwait(false);
        if (entry.State == OperationState.Recovered) return entry;
        var scope = LockScope.Of(entry) ?? throw EngineErrors.InvalidState($"Operation {entry.Id} records no volume or secondary storage; there is nothing to repair.", entry);

        var locks = OperationLocks.For(inventory, options.LockDirectory);
        await using var held = await locks.TryAcquireAsync(scope.Key, cancellationToken).ConfigureAwait(false)
                         ?? await locks.AcquireAsync(scope.Key, options.LockTimeout, cancellationToken).ConfigureAwait(false)
                         ?? throw new VolumeBusyException(
                             $"{TargetNames.Capitalize(scope.Description)} is busy: another process holds its lock; waited {options.LockTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s.",
                             entry, null)
                         { RecommendedAction = "Try again when that operation has finished." };
        // Under the lock: another repair may have settled it meanwhile.
        entry = await ReadRepairableAsync(operationId, context.Output, cancellationToken).ConfigureAwait(false);
        if (entry.State == OperationState.Recovered) return entry;

        var (session, secretValues) = RepairRules.NeedsDriver(entry) ? await OpenDriverAsync(entry, cancellationToken).ConfigureAwait(false) : (null, Array.Empty<string>());
        try
        {
            var store = RepairRules.NeedsRepository(entry) ? await OpenRepositoryAsync(entry, cancellationToken).ConfigureAwait(false) : null;
            try
            {
                return await DecideAndSettleAsync(entry, session, store, secretValues, context).ConfigureAwait(false);
            }
            finally
            {
                if (store is not null) await store.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            if (session is not null) await CloseAsync(session, entry, context.Output).ConfigureAwait(false);
        }
    }

    private async Task<Operation?> DecideAndSettleAsync(Operation entry, IDriverBackend? session, IChunkStore? store, IReadOnlyCollection<string> secretValues, OperationContext context)
    {
        var cancellationToken = context.CancellationToken;
        var scene = new RepairScene
        {
            Entry = entry,
            Inventory = inventory,
            Driver = session,
            Repository = store,
            Output = context.Output,
            RecordDetailsAsync = async (details, token) =>
            {
                await using var update = await inventory.BeginAsync(token).ConfigureAwait(false);
                var current = await update.GetOperationAsync(entry.Id, token).ConfigureAwait(false) ?? entry;
                await update.UpdateOperationAsync(current with { Details = details }, token).ConfigureAwait(false);
                await update.CommitAsync(token).ConfigureAwait(false);
            },
        };

        RepairDecision decision;
        try
        {
            decision = await RepairRules.DecideAsync(scene, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not StorageSnapshotException)
        {
            throw Classify(ex, entry, "decide how to repair", secretValues, cancellationToken);
        }

        var what = $"{decision.What}, because {decision.Why}";
        if (!context.ShouldProcess(Describe(entry), $"{decision.Way}: {what}")) return null;
        context.Output.WriteVerbose($"Repairing operation {entry.Id} ({entry.Kind}): {decision.Way.ToLowerInvariant()}: {what}.");

        try
        {
            await decision.OnStorageAsync(cancellationToken).ConfigureAwait(false);
            if (session is not null && RepairRules.Leftovers(entry) is { } leftovers)
            {
                var deleted = await session.DeleteLeftoversAsync(leftovers.Volume, leftovers.SnapshotKeys, cancellationToken).ConfigureAwait(false);
                if (deleted > 0) context.Output.WriteVerbose($"Deleted {deleted} piece(s) of work in progress the operation's process left on the storage.");
            }
        }
        catch (Exception ex)
        {
            var error = ex as StorageSnapshotException ?? Classify(ex, entry, "repair", secretValues, cancellationToken);
            await RecordFailedAttemptAsync(entry.Id, error.Message).ConfigureAwait(false);
            throw error;
        }

        // Settled whatever the caller's token says now: the storage work is done.
        var note = char.ToUpperInvariant(decision.What[0]) + decision.What[1..] + ", because " + decision.Why + ".";
        await SettleAsync(entry, decision, note).ConfigureAwait(false);
        context.Output.WriteVerbose($"Operation {entry.Id} recovered ({decision.Direction}): {note}");
        return await inventory.GetOperationAsync(entry.Id, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>One transaction: the objects settled, the entry Recovered (which way, what was done), the event.</summary>
    private async Task SettleAsync(Operation entry, RepairDecision decision, string note)
    {
        await using var transaction = await inventory.BeginAsync(CancellationToken.None).ConfigureAwait(false);
        await decision.SettleAsync(transaction, CancellationToken.None).ConfigureAwait(false);
        var current = await transaction.GetOperationAsync(entry.Id, CancellationToken.None).ConfigureAwait(false) ?? entry;
        var recovered = current with
        {
            State = OperationState.Recovered,
            EndedUtc = DateTime.UtcNow,
            Attempts = current.Attempts + 1,
            Recovery = decision.Direction,
            RecoveryNote = note,
        };
        await transaction.UpdateOperationAsync(recovered, CancellationToken.None).ConfigureAwait(false);
        await transaction.AppendEventAsync(StorageEvents.Recovered(recovered), CancellationToken.None).ConfigureAwait(false);
        await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private async Task<Operation> ReadRepairableAsync(string operationId, IOperationOutput output, CancellationToken cancellationToken)
    {
        var entry = await inventory.GetOperationAsync(operationId, cancellationToken).ConfigureAwait(false)
                    ?? throw new ObjectNotFoundException(ErrorIds.OperationNotFound, $"No operation with id '{operationId}' is in the journal.", operationId);
        if (entry.State == OperationState.Recovered)
        {
            output.WriteVerbose($"Operation {entry.Id} was already recovered ({entry.Recovery}): {entry.RecoveryNote}");
            return entry;
        }
        if (!IsRepairable(entry))
        {
            var why = entry.State == OperationState.Running
                ? "it is Running: its process may still be working (an operation whose process ended is marked NeedsRecovery when the inventory is next opened)"
                : $"it is {entry.State} and left nothing unfinished";
            throw EngineErrors.InvalidState($"Operation {entry.Id} ({entry.Kind}) needs no repair: {why}.", entry);
        }
        return entry;
    }

    private async Task<(IDriverBackend? Session, IReadOnlyCollection<string> SecretValues)> OpenDriverAsync(Operation entry, CancellationToken cancellationToken)
    {
        var backend = await inventory.GetBackendAsync(entry.Backend!, cancellationToken).ConfigureAwait(false);
        if (backend is null) return (null, Array.Empty<string>()); // the rule refuses, naming the backend
        var driver = options.Drivers.Get(backend.Driver);
        var properties = secrets.Reveal(backend);
        var secretValues = BackendSecrets.SecretValues(driver, properties);
        try
        {
            return (await driver.OpenBackendAsync(backend.Name, properties, cancellationToken).ConfigureAwait(false), secretValues);
        }
        catch (Exception ex) when (ex is not StorageSnapshotException)
        {
            throw Classify(ex, entry, "open its backend", secretValues, cancellationToken);
        }
    }

    private async Task<IChunkStore?> OpenRepositoryAsync(Operation entry, CancellationToken cancellationToken)
    {
        if (entry.Destination is null) return null;
        var storage = await inventory.GetSecondaryStorageAsync(entry.Destination, cancellationToken).ConfigureAwait(false);
        return storage is null ? null : await options.ChunkStores.OpenAsync(storage, cancellationToken).ConfigureAwait(false);
    }

    private async Task RecordFailedAttemptAsync(string operationId, string message)
    {
        await using var transaction = await inventory.BeginAsync(CancellationToken.None).ConfigureAwait(false);
        var current = await transaction.GetOperationAsync(operationId, CancellationToken.None).ConfigureAwait(false);
        if (current is null) return;
        await transaction.UpdateOperationAsync(current with { Attempts = current.Attempts + 1, Error = $"A repair failed: {message}" }, CancellationToken.None).ConfigureAwait(false);
        await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private static StorageSnapshotException Classify(Exception ex, Operation entry, string verb, IReadOnlyCollection<string> secretValues, CancellationToken cancellationToken) => ex switch
    {
        OperationCanceledException when cancellationToken.IsCancellationRequested =>
            EngineErrors.Cancelled($"The repair of operation {entry.Id} was stopped; it is still NeedsRecovery and can be repaired again.", entry),
        StorageSnapshotException typed => typed,
        _ => new DriverFailedException($"Failed to {verb} operation {entry.Id} ({entry.Kind}): {SecretText.Mask(ex.Message, secretValues)}", entry, SecretText.Scrub(ex, secretValues)),
    };

    private static async Task CloseAsync(IDriverBackend session, Operation entry, IOperationOutput output)
    {
        try
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            output.WriteWarning($"The driver failed to close its session on backend '{entry.Backend}' after repairing operation {entry.Id}: {ex.Message}");
        }
    }

    /// <summary>The ShouldProcess target: "operation 01J… (CreateSnapshot of snapshot 01J… on volume 'db01' on backend 'lab')".</summary>
    public static string Describe(Operation entry)
    {
        var where = entry.Volume is not null && entry.Backend is not null ? $" on {TargetNames.Volume(entry.Backend, entry.Volume)}"
            : entry.Destination is not null ? $" on secondary storage '{entry.Destination}'" : "";
        var noun = entry.TargetKind == TargetKind.SecondaryStorage ? "secondary storage" : entry.TargetKind.ToString().ToLowerInvariant();
        return $"operation {entry.Id} ({entry.Kind} of {noun} {entry.TargetId}{where})";
    }
}
