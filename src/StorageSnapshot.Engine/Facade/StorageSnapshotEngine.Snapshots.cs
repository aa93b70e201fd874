using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Naming;
using StorageSnapshot.Engine.Operations;
using StorageSnapshot.Engine.Operations.Changes;

namespace StorageSnapshot.Engine.Facade;

// Snapshots: New-/Get-/Set-/Restore-/Remove-StorageSnapshot and the plans behind -WhatIf.
public sealed partial class StorageSnapshotEngine
{
    /// <summary>
    /// New-StorageSnapshot. The parent is the volume's head snapshot; the new snapshot becomes the head. Without a
    /// name it is called &lt;volume&gt;-&lt;yyyyMMdd-HHmmss&gt; (UTC), with -2, -3, ... when that is taken. A repeat
    /// with the same client token on the same volume returns the first snapshot without calling the driver
    /// (see <see cref="ClientTokens"/>). Returns the snapshot Ready, or null when ShouldProcess said no.
    /// </summary>
    public async Task<Snapshot?> NewSnapshotAsync(NewSnapshotRequest request, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;
        var now = DateTime.UtcNow;

        if (request.Name is not null) NameRules.Require("snapshot", request.Name);
        var problems = new List<string>();
        InputRules.Text("description", request.Description, problems);
        InputRules.Tags(request.Tags, problems);
        var expires = InputRules.Expiry(request.ExpiresAt, now, problems);
        InputRules.ClientToken(request.ClientToken, problems);
        InputRules.ThrowIfAny(problems, request.Name ?? request.Volume.ToString());

        var volume = await RequireVolumeAsync(request.Volume, cancellationToken).ConfigureAwait(false);
        // A snapshot of this token still Creating may be another create running now (another host, or this process):
        // not decided here but under the volume's lock, which waits for it to end, where phase one looks the token up again.
        var tokenCreating = false;
        if (request.ClientToken is { } token
            && await Inventory.FindSnapshotByClientTokenAsync(volume.Id, token, cancellationToken).ConfigureAwait(false) is { } earlier)
        {
            if (earlier.State != SnapshotState.Creating) return ClientTokens.Replay(earlier, request.Name, context.Output);
            tokenCreating = true;
        }

        var backend = await RequireBackendAsync(volume.Backend, cancellationToken).ConfigureAwait(false);
        RequireNotInMaintenance(backend, volume);
        RequireCapability(backend, DriverCapabilities.Snapshot, "take snapshots", volume);
        // A volume an operation is settling (a revert running) is waited for under the lock, not refused here.
        if (volume.State != VolumeState.Available && !SettlingStates.IsSettling(volume.State))
            throw EngineErrors.InvalidState($"Cannot snapshot {TargetNames.Volume(volume)}: it is {volume.State}, not Available.", volume);

        var name = request.Name ?? SnapshotNames.Default(volume.Name, now);
        if (request.Name is not null)
        {
            // The token's own snapshot may carry this name — made by another create of the same token since the token
            // was looked up above (another host's, in the same moment): phase one answers for the token before it
            // checks names, so only a snapshot of another token (or none) is refused here.
            if (!tokenCreating
                && await Inventory.FindSnapshotByNameAsync(volume.Id, name, cancellationToken).ConfigureAwait(false) is { } sameName
                && (request.ClientToken is null || !string.Equals(sameName.ClientToken, request.ClientToken, StringComparison.Ordinal)))
                throw EngineErrors.AlreadyExists($"{TargetNames.Capitalize(TargetNames.Volume(volume))} already has a snapshot named '{name}'.", name);
        }
        else
        {
            for (var n = 2; await Inventory.FindSnapshotByNameAsync(volume.Id, name, cancellationToken).ConfigureAwait(false) is not null; n++)
                name = SnapshotNames.WithSuffix(SnapshotNames.Default(volume.Name, now), n);
        }

        var planned = new Snapshot
        {
            Id = Ids.New(now),
            Name = name,
            VolumeId = volume.Id,
            Volume = volume.Name,
            Backend = volume.Backend,
            CreatedUtc = now,
            SizeBytes = volume.SizeBytes,
            State = SnapshotState.Creating,
            Description = request.Description,
            Tags = request.Tags is null ? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) : new Dictionary<string, string>(request.Tags, StringComparer.OrdinalIgnoreCase),
            ExpiresUtc = expires,
            ClientToken = request.ClientToken,
        };
        if (!context.ShouldProcess(TargetNames.Snapshot(planned), "Create snapshot"))
            return null;

        Verbose(context, $"Taking {TargetNames.Snapshot(planned)} (parent: {volume.HeadSnapshotId ?? "none"}).");
        return await runner.RunAsync(new CreateSnapshotOperation(volume, planned, nameWasGiven: request.Name is not null), context).ConfigureAwait(false);
    }

    /// <summary>
    /// Get-StorageSnapshot: snapshots matching every given filter, oldest first. A plain name, id, volume or
    /// backend that matches nothing is reported through the sink (SnapshotNotFound, VolumeNotFound,
    /// BackendNotFound) and the rest is returned.
    /// </summary>
    public async Task<IReadOnlyList<Snapshot>> GetSnapshotsAsync(SnapshotFilter filter, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;

        List<string>? backends = null;
        if (filter.Backends is { Count: > 0 })
        {
            var all = await Inventory.ListBackendsAsync(cancellationToken).ConfigureAwait(false);
            backends = MatchByName(all, filter.Backends, b => b.Name, EngineErrors.BackendNotFound, context).Select(b => b.Name).ToList();
            if (backends.Count == 0) return Array.Empty<Snapshot>();
        }

        List<string>? volumeIds = null;
        if (filter.Volumes is { Count: > 0 } || filter.VolumeIds is { Count: > 0 })
        {
            var volumes = await Inventory.ListVolumesAsync(backends, cancellationToken).ConfigureAwait(false);
            volumeIds = filter.Volumes is { Count: > 0 }
                ? MatchByName(volumes, filter.Volumes, v => v.Name, name => EngineErrors.VolumeNotFound($"named '{name}'", name), context).Select(v => v.Id).ToList()
                : new List<string>();
            foreach (var id in filter.VolumeIds ?? Array.Empty<string>())
            {
                if (volumes.Any(v => string.Equals(v.Id, id, StringComparison.OrdinalIgnoreCase))) volumeIds.Add(id);
                else context.Output.WriteError(EngineErrors.VolumeNotFound($"with id '{id}'{(backends is null ? "" : " on the backends given")}", id));
            }
            if (volumeIds.Count == 0) return Array.Empty<Snapshot>();
        }

        var query = new SnapshotQuery
        {
            Ids = filter.Ids is { Count: > 0 } ? filter.Ids : null,
            VolumeIds = volumeIds,
            Backends = backends,
            States = filter.States is { Count: > 0 } ? filter.States : null,
        };
        IEnumerable<Snapshot> snapshots = await Inventory.ListSnapshotsAsync(query, cancellationToken).ConfigureAwait(false);

        if (filter.Ids is { Count: > 0 } ids)
        {
            var list = snapshots.ToList();
            foreach (var missing in ids.Where(id => !list.Any(s => string.Equals(s.Id, id, StringComparison.OrdinalIgnoreCase))))
                context.Output.WriteError(EngineErrors.SnapshotNotFound($"with id '{missing}'", missing));
            snapshots = list;
        }
        if (filter.Tags is { Count: > 0 } tags) snapshots = snapshots.Where(s => HasTags(s, tags));
        return MatchByName(snapshots, filter.Names, s => s.Name, name => EngineErrors.SnapshotNotFound($"named '{name}'", name), context);
    }

    /// <summary>
    /// Set-StorageSnapshot (inventory only; no driver call, so maintenance mode does not stop it). Holds the
    /// volume lock while it writes so that it never interleaves with an operation on the volume. Returns the
    /// snapshot, or null when ShouldProcess said no.
    /// </summary>
    public async Task<Snapshot?> SetSnapshotAsync(SetSnapshotRequest request, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;
        if (request.NewName is not null) NameRules.Require("snapshot", request.NewName);
        var problems = new List<string>();
        InputRules.Text("description", request.Description, problems);
        InputRules.Tags(request.Tags, problems);
        var expires = InputRules.Expiry(request.ExpiresAt, DateTime.UtcNow, problems);
        var both = request.ClearExpiry && request.ExpiresAt is not null;
        if (both) problems.Add("Give either a new expiry or clear the expiry, not both.");
        InputRules.ThrowIfAny(problems, request.Snapshot.ToString(), both ? ErrorHint.ExpiryOrClearExpiry() : null);

        var (snapshot, volume) = await RequireSnapshotAsync(request.Snapshot, cancellationToken).ConfigureAwait(false);
        if (request.NewName is not null && !string.Equals(request.NewName, snapshot.Name, StringComparison.OrdinalIgnoreCase)
            && await Inventory.FindSnapshotByNameAsync(volume.Id, request.NewName, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw EngineErrors.AlreadyExists($"{TargetNames.Capitalize(TargetNames.Volume(volume))} already has a snapshot named '{request.NewName}'.", request.NewName);
        }

        var changes = new List<string>();
        if (request.NewName is not null && request.NewName != snapshot.Name) changes.Add($"rename to '{request.NewName}'");
        if (request.Description is not null && request.Description != snapshot.Description) changes.Add("set the description");
        foreach (var (key, value) in request.Tags ?? new Dictionary<string, string?>())
            changes.Add(value is null ? $"remove tag '{key}'" : $"set tag {key} = {value}");
        if (expires is not null) changes.Add($"expire at {expires.Value:yyyy-MM-dd HH:mm:ss}Z");
        if (request.ClearExpiry && snapshot.ExpiresUtc is not null) changes.Add("remove the expiry");

        if (!context.ShouldProcess(TargetNames.Snapshot(snapshot), changes.Count == 0 ? "Set snapshot (no change)" : "Set snapshot: " + string.Join(", ", changes)))
            return null;
        if (changes.Count == 0) return snapshot;

        var updated = await runner.ApplyAsync(new SetSnapshotChange(volume, snapshot, new SnapshotEdits(request.NewName, request.Description, request.Tags, expires, request.ClearExpiry), changes), context).ConfigureAwait(false);
        Verbose(context, $"Updated {TargetNames.Snapshot(updated)}: {string.Join(", ", changes)}.");
        return updated;
    }

    /// <summary>What Restore-StorageSnapshot would do and lose (newer snapshots kept or destroyed, data discarded). Changes nothing.</summary>
    public async Task<ImpactPlan> PlanRevertAsync(SnapshotSelector snapshot, CancellationToken cancellationToken)
    {
        var (found, volume) = await RequireSnapshotAsync(snapshot, cancellationToken).ConfigureAwait(false);
        var backend = await RequireBackendAsync(found.Backend, cancellationToken).ConfigureAwait(false);
        var driver = DriverOf(backend);
        return await ImpactPlanner.PlanRevertAsync(Inventory, found, volume, driver.Descriptor.Capabilities, driver.Descriptor.Name, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Restore-StorageSnapshot: reverts the snapshot's volume to it. The ShouldProcess action is the plan's
    /// description (what is lost). Returns the snapshot (Ready again), or null when ShouldProcess said no.
    /// </summary>
    public async Task<Snapshot?> RevertSnapshotAsync(SnapshotSelector snapshot, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var plan = await PlanRevertAsync(snapshot, context.CancellationToken).ConfigureAwait(false);
        if (plan.Refusal is not null) throw plan.Refusal;
        var backend = await RequireBackendAsync(plan.Snapshot.Backend, context.CancellationToken).ConfigureAwait(false);
        RequireNotInMaintenance(backend, plan.Snapshot);

        if (!context.ShouldProcess(TargetNames.Snapshot(plan.Snapshot), plan.Description))
            return null;

        Verbose(context, plan.Description);
        return await runner.RunAsync(new RevertSnapshotOperation(plan.Snapshot, plan.Volume, plan.DestroysNewerSnapshots), context).ConfigureAwait(false);
    }

    /// <summary>What Remove-StorageSnapshot would do and touch (children re-parented, clones). Changes nothing.</summary>
    public async Task<ImpactPlan> PlanRemoveAsync(SnapshotSelector snapshot, CancellationToken cancellationToken)
    {
        var (found, volume) = await RequireSnapshotAsync(snapshot, cancellationToken).ConfigureAwait(false);
        var backend = await RequireBackendAsync(found.Backend, cancellationToken).ConfigureAwait(false);
        var driver = DriverOf(backend);
        return await ImpactPlanner.PlanRemoveAsync(Inventory, found, volume, driver.Descriptor.Capabilities, driver.Descriptor.Name, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Remove-StorageSnapshot. Refuses with SnapshotHasDependents when clones need it (driver capability
    /// ClonesDependOnSnapshot); its children are re-parented to its parent. Returns false when ShouldProcess said no.
    /// </summary>
    public async Task<bool> RemoveSnapshotAsync(SnapshotSelector snapshot, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var plan = await PlanRemoveAsync(snapshot, context.CancellationToken).ConfigureAwait(false);
        if (plan.Refusal is not null) throw plan.Refusal;
        var backend = await RequireBackendAsync(plan.Snapshot.Backend, context.CancellationToken).ConfigureAwait(false);
        RequireNotInMaintenance(backend, plan.Snapshot);

        if (!context.ShouldProcess(TargetNames.Snapshot(plan.Snapshot), plan.Description))
            return false;

        Verbose(context, plan.Description);
        var clonesDepend = DriverOf(backend).Descriptor.Capabilities.HasFlag(DriverCapabilities.ClonesDependOnSnapshot);
        return await runner.RunAsync(new DeleteSnapshotOperation(plan.Snapshot, plan.Volume, clonesDepend), context).ConfigureAwait(false);
    }

    private static bool HasTags(Snapshot snapshot, IReadOnlyDictionary<string, string> wanted) =>
        wanted.All(tag => snapshot.Tags.TryGetValue(tag.Key, out var value)
                          && (tag.Value == "*" || string.Equals(value, tag.Value, StringComparison.OrdinalIgnoreCase)));
}
