using Newtonsoft.Json;

namespace StorageSnapshot.Engine.Inventory;

/// <summary>
/// Copies every record of one inventory into another, empty one of the same schema version — SQLite to PostgreSQL
/// or back — in one transaction on the target (all or nothing), then proves the copy equal to the source record for
/// record (<see cref="ContentAsync"/>): ids, names, times (whole milliseconds on both), JSON text, event sequence
/// numbers, users and hosts. The source is only read. Callers hold no operation running meanwhile (the copy is a
/// snapshot of the source's committed state; a change made during it would be missed and is caught by the check).
/// </summary>
internal static class InventoryCopier
{
    /// <summary>How many events are read per page.</summary>
    private const int EventPage = 10_000;

    /// <summary>What was copied.</summary>
    public sealed record Counts(int Backends, int Volumes, int Snapshots, int Operations, int Events, int SecondaryStorages, int Copies, int Policies);

    public static async Task<Counts> CopyAsync(ISnapshotInventory source, ISnapshotInventory target, CancellationToken cancellationToken)
    {
        if (source is not IInventoryImport sourceImport || target is not IInventoryImport targetImport)
            throw new InvalidOperationException("Both inventories must support import.");
        await RequireEmptyAsync(target, cancellationToken).ConfigureAwait(false);

        var backends = await source.ListBackendsAsync(cancellationToken).ConfigureAwait(false);
        var volumes = await source.ListVolumesAsync(null, cancellationToken).ConfigureAwait(false);
        var snapshots = await source.ListSnapshotsAsync(new SnapshotQuery(), cancellationToken).ConfigureAwait(false);
        var storages = await source.ListSecondaryStoragesAsync(cancellationToken).ConfigureAwait(false);
        var copies = await source.ListCopiesAsync(new CopyQuery(), cancellationToken).ConfigureAwait(false);
        var operations = await source.ListOperationsAsync(null, null, null, cancellationToken).ConfigureAwait(false);
        var policies = await source.ListPoliciesAsync(cancellationToken).ConfigureAwait(false);
        var policyCopies = await sourceImport.ListAllPolicyCopiesAsync(cancellationToken).ConfigureAwait(false);

        var events = 0;
        await using (var transaction = await target.BeginAsync(cancellationToken).ConfigureAwait(false))
        {
            // Parents before children (foreign keys): backends, volumes, snapshots; storages, copies.
            foreach (var backend in backends) await transaction.InsertBackendAsync(backend, cancellationToken).ConfigureAwait(false);
            foreach (var volume in volumes) await transaction.InsertVolumeAsync(volume, cancellationToken).ConfigureAwait(false);
            foreach (var snapshot in snapshots) await transaction.InsertSnapshotAsync(snapshot, cancellationToken).ConfigureAwait(false);
            foreach (var storage in storages) await transaction.InsertSecondaryStorageAsync(storage, cancellationToken).ConfigureAwait(false);
            foreach (var copy in copies) await transaction.InsertCopyAsync(copy, cancellationToken).ConfigureAwait(false);
            foreach (var operation in operations) await transaction.InsertOperationAsync(operation, cancellationToken).ConfigureAwait(false);
            foreach (var policy in policies) await transaction.InsertPolicyAsync(policy, cancellationToken).ConfigureAwait(false);
            foreach (var row in policyCopies) await transaction.RecordPolicyCopyAsync(row, cancellationToken).ConfigureAwait(false);
            for (long after = 0; ;)
            {
                var page = await source.ListEventsAsync(after, EventPage, cancellationToken).ConfigureAwait(false);
                if (page.Count == 0) break;
                foreach (var storageEvent in page) await targetImport.ImportEventAsync(transaction, storageEvent, cancellationToken).ConfigureAwait(false);
                events += page.Count;
                after = page[^1].Sequence;
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        var expected = await ContentAsync(source, cancellationToken).ConfigureAwait(false);
        var actual = await ContentAsync(target, cancellationToken).ConfigureAwait(false);
        if (expected != actual)
        {
            throw new InventoryUnavailableException(
                $"The copy of the inventory {source.Description} in {target.Description} differs from it (the source changed during the copy, " +
                "or a value one store cannot hold); the source is unchanged and still the one in use. Empty the target and try again.");
        }
        return new Counts(backends.Count, volumes.Count, snapshots.Count, operations.Count, events, storages.Count, copies.Count, policies.Count);
    }

    /// <summary>Every record of the inventory as one canonical text: equal texts, equal inventories.</summary>
    public static async Task<string> ContentAsync(ISnapshotInventory inventory, CancellationToken cancellationToken)
    {
        var settings = new JsonSerializerSettings { DateFormatString = "yyyy-MM-ddTHH:mm:ss.fffffffK", DateTimeZoneHandling = DateTimeZoneHandling.Utc };
        var text = new System.Text.StringBuilder();
        void Add(object value) => text.AppendLine(JsonConvert.SerializeObject(value, settings));
        Add(await inventory.ListBackendsAsync(cancellationToken).ConfigureAwait(false));
        Add(await inventory.ListVolumesAsync(null, cancellationToken).ConfigureAwait(false));
        Add(await inventory.ListSnapshotsAsync(new SnapshotQuery(), cancellationToken).ConfigureAwait(false));
        Add(await inventory.ListSecondaryStoragesAsync(cancellationToken).ConfigureAwait(false));
        Add(await inventory.ListCopiesAsync(new CopyQuery(), cancellationToken).ConfigureAwait(false));
        Add(await inventory.ListOperationsAsync(null, null, null, cancellationToken).ConfigureAwait(false));
        Add(await inventory.ListPoliciesAsync(cancellationToken).ConfigureAwait(false));
        if (inventory is IInventoryImport import) Add(await import.ListAllPolicyCopiesAsync(cancellationToken).ConfigureAwait(false));
        for (long after = 0; ;)
        {
            var page = await inventory.ListEventsAsync(after, EventPage, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0) break;
            Add(page);
            after = page[^1].Sequence;
        }
        return text.ToString();
    }

    private static async Task RequireEmptyAsync(ISnapshotInventory target, CancellationToken cancellationToken)
    {
        var empty = (await target.ListBackendsAsync(cancellationToken).ConfigureAwait(false)).Count == 0
                    && (await target.ListSecondaryStoragesAsync(cancellationToken).ConfigureAwait(false)).Count == 0
                    && (await target.ListOperationsAsync(null, null, null, cancellationToken).ConfigureAwait(false)).Count == 0
                    && (await target.ListPoliciesAsync(cancellationToken).ConfigureAwait(false)).Count == 0
                    && (await target.ListEventsAsync(0, 1, cancellationToken).ConfigureAwait(false)).Count == 0;
        if (!empty)
        {
            throw new ConflictException(ErrorIds.InvalidState,
                $"The target inventory {target.Description} is not empty; an inventory is only moved into an empty one (nothing was copied).",
                target.Description);
        }
    }
}
