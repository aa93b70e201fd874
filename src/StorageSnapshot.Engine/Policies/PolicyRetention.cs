using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Policies.Retention;

namespace StorageSnapshot.Engine.Policies;

/// <summary>
/// A policy's retention plan from the inventory's facts: which snapshots and copies it made, what depends on them,
/// and the planner's decisions. Pure over its arguments (the facade reads them); only what the policy made is in
/// the plan — a snapshot whose client token is not the policy's, a copy not recorded as the policy's, never is.
/// </summary>
internal static class PolicyRetention
{
    /// <summary>What the plan is made from.</summary>
    /// <param name="Snapshots">Snapshots to consider (others' are ignored, so passing all is fine).</param>
    /// <param name="Copies">Copies to consider, with the ones the policy recorded in <paramref name="PolicyCopies"/>.</param>
    /// <param name="PolicyCopies">The policy's copy records.</param>
    /// <param name="SnapshotDependents">What depends on a snapshot, by snapshot id (clones that need it, copies being made).</param>
    public sealed record Facts(
        IReadOnlyList<Snapshot> Snapshots,
        IReadOnlyList<SnapshotCopy> Copies,
        IReadOnlyList<PolicyCopy> PolicyCopies,
        IReadOnlyDictionary<string, string> SnapshotDependents);

    /// <summary>Snapshots first (by volume, newest first), then copies (by volume and destination, newest first).</summary>
    public static IReadOnlyList<RetentionPlanItem> Plan(SnapshotPolicy policy, Facts facts, DateTime atUtc)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(facts);
        var zone = PolicyRules.ZoneOf(policy);
        var items = new List<RetentionPlanItem>();

        var owned = new Dictionary<string, (Snapshot Snapshot, DateTime Slot)>(StringComparer.Ordinal);
        foreach (var snapshot in facts.Snapshots)
        {
            if (PolicyTokens.IsOf(snapshot.ClientToken, policy.Name, out var slot)) owned[snapshot.Id] = (snapshot, slot);
        }
        var snapshotCandidates = owned.Values.Select(o => new RetentionCandidate(o.Snapshot.Id, o.Snapshot.VolumeId, o.Slot)
        {
            Settled = o.Snapshot.State == SnapshotState.Ready,
            Dependents = facts.SnapshotDependents.TryGetValue(o.Snapshot.Id, out var d) ? d : null,
        });
        foreach (var decision in RetentionPlanner.Plan(snapshotCandidates, policy.Retention, zone, atUtc))
        {
            var snapshot = owned[decision.Item.Id].Snapshot;
            items.Add(Item(policy, decision, RetentionItemKind.Snapshot, snapshot.Name, snapshot.Backend, snapshot.Volume, null));
        }

        if (facts.PolicyCopies.Count > 0)
        {
            var slots = facts.PolicyCopies
                .Where(c => string.Equals(c.Policy, policy.Name, StringComparison.OrdinalIgnoreCase))
                .GroupBy(c => c.CopyId, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.First().SlotUtc, StringComparer.Ordinal);
            var copies = facts.Copies.Where(c => slots.ContainsKey(c.Id)).ToDictionary(c => c.Id, StringComparer.Ordinal);
            var copyCandidates = copies.Values.Select(c => new RetentionCandidate(c.Id, $"{c.VolumeId ?? c.Backend + "/" + c.Volume}@{c.Destination}", slots[c.Id])
            {
                Settled = c.State == CopyState.Copied,
            });
            foreach (var decision in RetentionPlanner.Plan(copyCandidates, policy.CopyRetention, zone, atUtc))
            {
                var copy = copies[decision.Item.Id];
                items.Add(Item(policy, decision, RetentionItemKind.Copy, copy.Snapshot, copy.Backend, copy.Volume, copy.Destination));
            }
        }
        return items;
    }

    /// <summary>
    /// The plans of many policies from one read of the facts: the snapshots are split by the policy in their token in
    /// one pass, so planning every policy costs about one pass over the snapshots, not one per policy.
    /// </summary>
    public static IReadOnlyList<RetentionPlanItem> PlanAll(IReadOnlyList<SnapshotPolicy> policies, Facts facts, DateTime atUtc)
    {
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(facts);
        var byOwner = new Dictionary<string, List<Snapshot>>(StringComparer.OrdinalIgnoreCase);
        foreach (var snapshot in facts.Snapshots)
        {
            if (!PolicyTokens.TryParse(snapshot.ClientToken, out var owner, out _)) continue;
            if (!byOwner.TryGetValue(owner, out var list)) byOwner[owner] = list = new List<Snapshot>();
            list.Add(snapshot);
        }
        var copiesByOwner = facts.PolicyCopies.ToLookup(c => c.Policy, StringComparer.OrdinalIgnoreCase);
        var items = new List<RetentionPlanItem>();
        foreach (var policy in policies)
        {
            var own = facts with
            {
                Snapshots = byOwner.TryGetValue(policy.Name, out var mine) ? mine : new List<Snapshot>(),
                PolicyCopies = copiesByOwner[policy.Name].ToList(),
            };
            items.AddRange(Plan(policy, own, atUtc));
        }
        return items;
    }

    private static RetentionPlanItem Item(SnapshotPolicy policy, RetentionDecision decision, RetentionItemKind kind,
        string? name, string backend, string volume, string? destination) => new()
        {
            Policy = policy.Name,
            Kind = kind,
            Id = decision.Item.Id,
            Name = name,
            Backend = backend,
            Volume = volume,
            Destination = destination,
            SlotUtc = decision.Item.TimeUtc,
            Action = decision.Action,
            Rule = decision.Rule,
            Period = decision.Period,
            KeptBy = decision.KeptBy,
            Dependents = decision.Rule == RetentionRule.HasDependents ? decision.Item.Dependents : null,
        };
}
