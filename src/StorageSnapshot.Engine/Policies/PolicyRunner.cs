using System.Globalization;
using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Naming;
using StorageSnapshot.Engine.Policies.Schedules;

namespace StorageSnapshot.Engine.Policies;

/// <summary>
/// One run of a policy at a moment: (1) the slot due then — the latest schedule occurrence at or before it — is
/// taken on every volume the policy covers, with the slot's client token, so a re-run, a second scheduler or a run
/// after a crash finds the snapshot instead of taking another; (2) each snapshot of the slot is copied to the
/// destination, if the policy has one (a snapshot that has its copy there returns it); (3) retention removes what
/// the plan says, through the same remove paths as the cmdlets. A slot later than the start window is reported
/// missed unless the policy catches up. Every change goes through the façade's use cases (two-phase operations and
/// the runner); one failing volume or item writes an error and the rest go on.
/// </summary>
internal sealed class PolicyRunner(StorageSnapshotEngine engine, SnapshotPolicy policy, DateTime atUtc, OperationContext context)
{
    /// <summary>At most this many missed slots are listed per volume (the count says how many there were).</summary>
    private const int MissedSlotsListed = 10;

    private readonly List<Snapshot> taken = new();
    private readonly List<SnapshotCopy> copied = new();
    private readonly SortedSet<DateTime> missed = new();
    private int alreadyTaken;
    private int failures;
    private int snapshotsRemoved;
    private int copiesRemoved;
    private int keptForDependents;
    private HashSet<string>? recorded;

    private CancellationToken CancellationToken => context.CancellationToken;

    public async Task<SnapshotPolicyRun> RunAsync()
    {
        var zone = PolicyRules.ZoneOf(policy);
        var schedules = PolicyRules.SchedulesOf(policy);
        var slot = ScheduleSlots.Current(schedules, zone, atUtc);
        var volumes = await CoveredVolumesAsync().ConfigureAwait(false);

        if (slot is null)
        {
            context.Output.WriteVerbose($"Snapshot policy '{policy.Name}' has no slot at or before {Utc(atUtc)} within a year: nothing to take.");
        }
        else
        {
            var owned = await OwnedSnapshotsByVolumeAsync().ConfigureAwait(false);
            foreach (var volume in volumes)
            {
                CancellationToken.ThrowIfCancellationRequested();
                owned.TryGetValue(volume.Id, out var mine);
                await TakeSlotAsync(volume, slot.Value, mine ?? new List<(Snapshot, DateTime)>(), schedules, zone).ConfigureAwait(false);
            }
        }

        await ApplyRetentionAsync().ConfigureAwait(false);

        return new SnapshotPolicyRun
        {
            Policy = policy.Name,
            AtUtc = atUtc,
            SlotUtc = slot,
            Volumes = volumes.Count,
            Taken = taken,
            AlreadyTaken = alreadyTaken,
            Copied = copied,
            MissedSlotsUtc = missed.ToList(),
            SnapshotsRemoved = snapshotsRemoved,
            CopiesRemoved = copiesRemoved,
            KeptForDependents = keptForDependents,
            Failures = failures,
        };
    }

    /// <summary>The volumes the policy covers now: by backend, then by name pattern. Resolved at each run.</summary>
    private async Task<IReadOnlyList<Volume>> CoveredVolumesAsync()
    {
        var volumes = await engine.Inventory.ListVolumesAsync(policy.Backends.Count == 0 ? null : policy.Backends, CancellationToken).ConfigureAwait(false);
        if (policy.Volumes.Count == 0) return volumes;
        var patterns = policy.Volumes.Select(Wildcard.Parse).ToList();
        var covered = volumes.Where(v => patterns.Any(p => p.IsMatch(v.Name))).ToList();
        foreach (var plain in patterns.Where(p => !p.IsPattern && !volumes.Any(v => p.IsMatch(v.Name))))
            context.Output.WriteWarning($"Snapshot policy '{policy.Name}' names volume '{plain.Pattern}', which is not in the inventory{BackendsText()}.");
        return covered;
    }

    private string BackendsText() => policy.Backends.Count == 0 ? "" : $" on {string.Join(", ", policy.Backends.Select(b => $"'{b}'"))}";

    private async Task<Dictionary<string, List<(Snapshot Snapshot, DateTime Slot)>>> OwnedSnapshotsByVolumeAsync()
    {
        var all = await engine.Inventory.ListSnapshotsAsync(new Inventory.SnapshotQuery(), CancellationToken).ConfigureAwait(false);
        var owned = new Dictionary<string, List<(Snapshot, DateTime)>>(StringComparer.Ordinal);
        foreach (var snapshot in all)
        {
            if (!PolicyTokens.IsOf(snapshot.ClientToken, policy.Name, out var slot)) continue;
            if (!owned.TryGetValue(snapshot.VolumeId, out var list)) owned[snapshot.VolumeId] = list = new List<(Snapshot, DateTime)>();
            list.Add((snapshot, slot));
        }
        return owned;
    }

    private async Task TakeSlotAsync(Volume volume, DateTime slot, List<(Snapshot Snapshot, DateTime Slot)> mine, IReadOnlyList<PolicySchedule> schedules, TimeZoneInfo zone)
    {
        var existing = mine.FirstOrDefault(m => m.Slot == slot).Snapshot;
        if (existing is null)
        {
            // Slots since the last one this volume got that nobody took. A volume without one (new to the policy,
            // or a new policy) has missed nothing: the policy starts for it now.
            var since = mine.Count == 0 ? slot : mine.Max(m => m.Slot);
            if (since < slot)
            {
                var skipped = ScheduleSlots.Between(schedules, zone, since, slot, MissedSlotsListed);
                if (skipped.Count > 0)
                {
                    foreach (var s in skipped) missed.Add(s);
                    context.Output.WriteWarning($"Snapshot policy '{policy.Name}' missed {Slots(skipped)} on volume '{volume.Name}' (nothing ran then); they are not taken now.");
                }
            }
            var late = atUtc - slot;
            if (late > policy.StartWindow && !policy.CatchUp)
            {
                missed.Add(slot);
                context.Output.WriteWarning(
                    $"Snapshot policy '{policy.Name}' did not take the slot {Utc(slot)} on volume '{volume.Name}': this run is {Late(late)} late, " +
                    $"beyond the start window of {Late(policy.StartWindow)} (the policy does not catch up missed slots).");
                return;
            }
        }

        Snapshot? snapshot;
        try
        {
            snapshot = existing is { State: SnapshotState.Ready } ? existing : await engine.NewSnapshotAsync(Request(volume, slot), context).ConfigureAwait(false);
            if (existing is { State: SnapshotState.Ready })
            {
                alreadyTaken++;
                context.Output.WriteVerbose($"Volume '{volume.Name}' has its snapshot '{existing.Name}' for slot {Utc(slot)} already; nothing taken.");
            }
            else if (snapshot is not null)
            {
                taken.Add(snapshot);
            }
        }
        catch (StorageSnapshotException e) when (e.ErrorId is ErrorIds.AlreadyExists or ErrorIds.InvalidState)
        {
            // Another run (a second scheduler) is taking or took the slot's snapshot between our look and our
            // create: the slot is not doubled, and that is not a failure of this run. Anything else is.
            var other = await engine.Inventory.FindSnapshotByClientTokenAsync(volume.Id, PolicyTokens.For(policy.Name, slot), CancellationToken).ConfigureAwait(false);
            if (other is null || other.State is SnapshotState.Error or SnapshotState.Deleting)
            {
                Fail(e);
                return;
            }
            alreadyTaken++;
            context.Output.WriteVerbose($"Another run took or is taking the snapshot of slot {Utc(slot)} on volume '{volume.Name}' ('{other.Name}', {other.State}).");
            return;
        }
        catch (StorageSnapshotException e)
        {
            Fail(e);
            return;
        }
        if (snapshot is null || policy.Destination is null) return;

        try
        {
            // A slot taken before (a re-run) usually has its copy already: record it and ask nothing (a copy
            // request would return it too, but only after asking ShouldProcess about a copy that is not made).
            var made = await engine.Inventory.ListCopiesAsync(new Inventory.CopyQuery
            {
                SnapshotIds = new[] { snapshot.Id }, Destinations = new[] { policy.Destination }, States = new[] { CopyState.Copied },
            }, CancellationToken).ConfigureAwait(false);
            if (made.Count > 0)
            {
                recorded ??= (await engine.Inventory.ListPolicyCopiesAsync(policy.Name, CancellationToken).ConfigureAwait(false))
                    .Select(c => c.CopyId).ToHashSet(StringComparer.Ordinal);
                if (!recorded.Contains(made[0].Id))
                    await engine.ApplyPolicyChangeAsync(new RecordPolicyCopyChange(made[0], policy.Name, slot), context).ConfigureAwait(false);
                return;
            }
            var copy = await engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(new SnapshotSelector(Id: snapshot.Id), policy.Destination), context).ConfigureAwait(false);
            if (copy is null) return;
            await engine.ApplyPolicyChangeAsync(new RecordPolicyCopyChange(copy, policy.Name, slot), context).ConfigureAwait(false);
            copied.Add(copy);
        }
        catch (StorageSnapshotException e)
        {
            Fail(e);
        }
    }

    private NewSnapshotRequest Request(Volume volume, DateTime slot)
    {
        var tags = new Dictionary<string, string>(policy.SnapshotTags, StringComparer.OrdinalIgnoreCase) { ["policy"] = policy.Name };
        // A name from the slot, in UTC so that an hour repeated when clocks go back still gives two names.
        var name = string.Create(CultureInfo.InvariantCulture, $"{volume.Name}-{policy.Name}-{slot:yyyyMMdd-HHmm}Z");
        return new NewSnapshotRequest(new VolumeSelector(Id: volume.Id))
        {
            Name = NameRules.Check("snapshot", name) is null ? name : null,
            Description = policy.SnapshotDescription?
                .Replace("{policy}", policy.Name, StringComparison.OrdinalIgnoreCase)
                .Replace("{volume}", volume.Name, StringComparison.OrdinalIgnoreCase)
                .Replace("{slot}", Utc(slot), StringComparison.OrdinalIgnoreCase),
            Tags = tags,
            ClientToken = PolicyTokens.For(policy.Name, slot),
        };
    }

    private async Task ApplyRetentionAsync()
    {
        var facts = await engine.ReadRetentionFactsAsync(policy, CancellationToken).ConfigureAwait(false);
        var plan = PolicyRetention.Plan(policy, facts, atUtc);

        // Copy records whose copies are gone (removed by hand, or by an earlier retention) are forgotten.
        var copyIds = facts.Copies.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var stale = facts.PolicyCopies.Where(c => !copyIds.Contains(c.CopyId)).Select(c => c.CopyId).ToList();
        if (stale.Count > 0 && context.ShouldProcess($"snapshot policy '{policy.Name}'", $"Forget {stale.Count} record(s) of copies that are gone"))
            await engine.ApplyPolicyChangeAsync(new ForgetPolicyCopiesChange(policy.Name, stale), context).ConfigureAwait(false);

        foreach (var item in plan)
        {
            CancellationToken.ThrowIfCancellationRequested();
            if (item.Rule == RetentionRule.HasDependents)
            {
                keptForDependents++;
                context.Output.WriteWarning($"Retention of policy '{policy.Name}' keeps {Describe(item)}: the rules would remove it, but {item.Dependents} depend(s) on it.");
                continue;
            }
            if (item.Action != RetentionAction.Remove) continue;
            if (!context.ShouldProcess(Describe(item), $"Remove (retention of policy '{policy.Name}': {Why(item)})")) continue;

            // The question was asked above with the retention's reason; the remove path must not ask it again.
            var answered = context with { ShouldProcess = static (_, _) => true };
            try
            {
                if (item.Kind == RetentionItemKind.Snapshot)
                {
                    if (await engine.RemoveSnapshotAsync(new SnapshotSelector(Id: item.Id), answered).ConfigureAwait(false)) snapshotsRemoved++;
                }
                else if (await engine.RemoveSnapshotCopyAsync(item.Id, answered).ConfigureAwait(false))
                {
                    copiesRemoved++;
                }
            }
            catch (StorageSnapshotException e)
            {
                Fail(e);
            }
        }
    }

    private void Fail(StorageSnapshotException error)
    {
        failures++;
        context.Output.WriteError(error);
    }

    private static string Describe(RetentionPlanItem item) => item.Kind == RetentionItemKind.Snapshot
        ? $"snapshot '{item.Name}' of volume '{item.Volume}' on backend '{item.Backend}'"
        : $"copy {item.Id} of snapshot '{item.Name}' of volume '{item.Volume}' on '{item.Destination}'";

    private static string Why(RetentionPlanItem item) => item.Rule switch
    {
        RetentionRule.MaxAge => "older than the maximum age",
        _ => "no rule keeps it",
    };

    private static string Slots(IReadOnlyList<DateTime> slots) =>
        slots.Count == 1 ? $"the slot {Utc(slots[0])}" : $"{slots.Count} slots ({Utc(slots[0])} to {Utc(slots[^1])})";

    private static string Utc(DateTime time) => time.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + "Z";

    private static string Late(TimeSpan span) =>
        span.TotalHours >= 1 ? $"{span.TotalHours.ToString("0.#", CultureInfo.InvariantCulture)} h" : $"{span.TotalMinutes.ToString("0", CultureInfo.InvariantCulture)} min";
}
