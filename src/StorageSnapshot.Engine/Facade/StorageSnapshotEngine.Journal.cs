using StorageSnapshot.Engine.Operations;

namespace StorageSnapshot.Engine.Facade;

// The operation journal and the event log, read-only; repair is in StorageSnapshotEngine.Repair.cs.
public sealed partial class StorageSnapshotEngine
{
    /// <summary>Events are read from the inventory in pages of this many.</summary>
    private const int EventPage = 10_000;

    /// <summary>The operation journal (for Get-StorageOperation and repair), oldest first; all states when null.</summary>
    public Task<IReadOnlyList<Operation>> GetOperationsAsync(IReadOnlyCollection<OperationState>? states, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Inventory.ListOperationsAsync(states is { Count: > 0 } ? states : null, null, null, context.CancellationToken);
    }

    /// <summary>
    /// The journal entries that match <paramref name="filter"/>, oldest first. An id in <see cref="OperationFilter.Ids"/>
    /// that is not in the journal is reported through the output sink as OperationNotFound, and the rest are returned.
    /// </summary>
    public async Task<IReadOnlyList<Operation>> FindOperationsAsync(OperationFilter filter, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(context);
        if (filter.Last is <= 0) throw EngineErrors.InvalidArgument("The number of newest entries to list must be at least 1.", filter.Last);
        var cancellationToken = context.CancellationToken;
        IEnumerable<Operation> entries;
        if (filter.Ids is { } ids)
        {
            var found = new List<Operation>();
            foreach (var id in ids.Distinct(StringComparer.OrdinalIgnoreCase))
            {
                if (await Inventory.GetOperationAsync(id, cancellationToken).ConfigureAwait(false) is { } entry) found.Add(entry);
                else context.Output.WriteError(new ObjectNotFoundException(ErrorIds.OperationNotFound, $"No operation with id '{id}' is in the journal.", id));
            }
            entries = found.OrderBy(o => o.StartedUtc).ThenBy(o => o.Id, StringComparer.Ordinal);
        }
        else
        {
            entries = await Inventory.ListOperationsAsync(filter.States is { Count: > 0 } states ? states : null, null, null, cancellationToken).ConfigureAwait(false);
        }

        var matching = entries
            .Where(o => filter.States is not { Count: > 0 } || filter.States.Contains(o.State))
            .Where(o => filter.Kinds is not { Count: > 0 } || filter.Kinds.Contains(o.Kind))
            .Where(o => filter.Targets is not { Count: > 0 } || filter.Targets.Any(t => t.Mentions(o)))
            .Where(o => filter.SinceUtc is not { } since || o.StartedUtc >= since.ToUniversalTime())
            .ToList();
        return filter.Last is { } last && matching.Count > last ? matching.GetRange(matching.Count - last, last) : matching;
    }

    /// <summary>The events that match <paramref name="filter"/>, oldest first (the audit and usage log).</summary>
    public async Task<IReadOnlyList<StorageEvent>> FindEventsAsync(EventFilter filter, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(context);
        if (filter.Last is <= 0) throw EngineErrors.InvalidArgument("The number of newest events to list must be at least 1.", filter.Last);
        var since = filter.SinceUtc?.ToUniversalTime();
        var matching = new List<StorageEvent>();
        for (long after = 0; ;)
        {
            var page = await Inventory.ListEventsAsync(after, EventPage, context.CancellationToken).ConfigureAwait(false);
            foreach (var storageEvent in page)
            {
                if (since is { } from && storageEvent.TimeUtc < from) continue;
                if (filter.Kinds is { Count: > 0 } kinds && !kinds.Contains(storageEvent.Kind)) continue;
                if (filter.Backends is { Count: > 0 } backends && !backends.Contains(storageEvent.Backend ?? "", StringComparer.OrdinalIgnoreCase)) continue;
                if (filter.Targets is { Count: > 0 } targets && !targets.Any(t => t.Mentions(storageEvent))) continue;
                matching.Add(storageEvent);
            }
            if (page.Count < EventPage) break;
            after = page[^1].Sequence;
        }
        return filter.Last is { } last && matching.Count > last ? matching.GetRange(matching.Count - last, last) : matching;
    }
}
