namespace StorageSnapshot.Engine.Policies.Retention;

/// <summary>
/// Decides, for every item, Keep or Remove and the rule that decided. Pure: the same items, rules, zone and time
/// give the same plan, and nothing is read or changed. Per series, newest first (ties by id, newest id first):
/// <list type="number">
/// <item>Items that are not settled, or newer than the plan's time, are kept and not counted.</item>
/// <item>Items older than <see cref="RetentionRules.MaxAge"/> are removed and not counted.</item>
/// <item>Each count rule keeps the newest item of each of its N most recent periods that have a counted item
/// (Last: the newest N items). An item is kept when any rule keeps it; when no count rule is set, the maximum
/// age keeps what it does not remove.</item>
/// <item>An item the rules would remove but that has dependents is kept, and the plan says why.</item>
/// </list>
/// Applying a plan and planning again at the same time removes nothing more: the items each rule keeps are the
/// newest of their periods, and stay so among what is left.
/// </summary>
internal static class RetentionPlanner
{
    private static readonly RetentionRule[] CountRules =
        { RetentionRule.Last, RetentionRule.Hourly, RetentionRule.Daily, RetentionRule.Weekly, RetentionRule.Monthly, RetentionRule.Yearly };

    /// <summary>The plan, in series order then newest first.</summary>
    public static IReadOnlyList<RetentionDecision> Plan(
        IEnumerable<RetentionCandidate> items, RetentionRules rules, TimeZoneInfo zone, DateTime atUtc)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(zone);
        if (atUtc.Kind != DateTimeKind.Utc) throw new ArgumentException("The plan's time must be UTC.", nameof(atUtc));

        var decisions = new List<RetentionDecision>();
        var state = new SeriesState(rules);
        foreach (var series in items.GroupBy(i => i.Series, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var newestFirst = series.ToArray();
            Array.Sort(newestFirst, NewestFirst.Instance);
            state.Reset();
            PlanSeries(newestFirst, rules, zone, atUtc, state, decisions);
        }
        return decisions;
    }

    /// <summary>Newest first; equal times by id, highest first.</summary>
    private sealed class NewestFirst : IComparer<RetentionCandidate>
    {
        public static readonly NewestFirst Instance = new();

        public int Compare(RetentionCandidate? x, RetentionCandidate? y)
        {
            var byTime = y!.TimeUtc.CompareTo(x!.TimeUtc);
            return byTime != 0 ? byTime : string.CompareOrdinal(y.Id, x.Id);
        }
    }

    /// <summary>Per-rule counts and seen periods of one series, reused from series to series.</summary>
    private sealed class SeriesState
    {
        public readonly int[] Limits = new int[CountRules.Length];
        public readonly int[] Kept = new int[CountRules.Length];
        public readonly HashSet<long>[] Seen = new HashSet<long>[CountRules.Length];

        public SeriesState(RetentionRules rules)
        {
            var i = 0;
            foreach (var (_, count) in rules.Counts()) Limits[i++] = count;
            for (i = 0; i < Seen.Length; i++) Seen[i] = new HashSet<long>();
        }

        public void Reset()
        {
            Array.Clear(Kept);
            foreach (var seen in Seen) seen.Clear();
        }
    }

    private static void PlanSeries(
        RetentionCandidate[] newestFirst, RetentionRules rules, TimeZoneInfo zone, DateTime atUtc, SeriesState state, List<RetentionDecision> decisions)
    {
        DateTime? cutoff = rules.MaxAge is { } age ? atUtc - age : null;

        foreach (var item in newestFirst)
        {
            if (rules.IsEmpty)
            {
                decisions.Add(new RetentionDecision(item, RetentionAction.Keep, RetentionRule.NoRetention, null));
                continue;
            }
            if (!item.Settled)
            {
                decisions.Add(new RetentionDecision(item, RetentionAction.Keep, RetentionRule.NotSettled, null));
                continue;
            }
            if (item.TimeUtc > atUtc)
            {
                decisions.Add(new RetentionDecision(item, RetentionAction.Keep, RetentionRule.NewerThanPlan, null));
                continue;
            }
            if (cutoff is { } oldest && item.TimeUtc < oldest)
            {
                decisions.Add(Removed(item, RetentionRule.MaxAge));
                continue;
            }

            var periods = new RetentionPeriods(item.TimeUtc, zone);
            List<RetentionRule>? keptBy = null;
            for (var r = 0; r < CountRules.Length; r++)
            {
                var limit = state.Limits[r];
                if (limit <= 0 || state.Kept[r] >= limit) continue;
                var rule = CountRules[r];
                // A period counts once, for its newest item: the first one met, since items come newest first.
                if (rule != RetentionRule.Last && !state.Seen[r].Add(periods.Key(rule))) continue;
                state.Kept[r]++;
                (keptBy ??= new List<RetentionRule>(2)).Add(rule);
            }

            if (keptBy is not null)
            {
                decisions.Add(new RetentionDecision(item, RetentionAction.Keep, keptBy[0], periods.Label(keptBy[0])) { KeptBy = keptBy });
            }
            else if (!rules.HasCountRule)
            {
                decisions.Add(new RetentionDecision(item, RetentionAction.Keep, RetentionRule.MaxAge, null));
            }
            else
            {
                decisions.Add(Removed(item, RetentionRule.NoRuleKeepsIt));
            }
        }
    }

    /// <summary>Remove, unless something depends on the item.</summary>
    private static RetentionDecision Removed(RetentionCandidate item, RetentionRule rule) =>
        item.Dependents is null
            ? new RetentionDecision(item, RetentionAction.Remove, rule, null)
            : new RetentionDecision(item, RetentionAction.Keep, RetentionRule.HasDependents, null);
}
