using System.Globalization;
using StorageSnapshot.Engine.Policies.Retention;

namespace StorageSnapshot.Engine.Tests.Policies;

/// <summary>
/// Properties that hold for every history: hundreds of random histories (bursts, gaps, equal times, several
/// series, unsettled items, dependents, items newer than the plan) in zones with daylight saving, checked against
/// a second, naive reading of the rules rather than against the planner's own arithmetic.
/// </summary>
public sealed class RetentionPropertyTests
{
    private static readonly string[] Zones = { "UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "America/Santiago" };

    public static IEnumerable<object[]> Seeds() => Enumerable.Range(1, 200).Select(s => new object[] { s });

    private sealed record History(List<RetentionCandidate> Items, RetentionRules Rules, TimeZoneInfo Zone, DateTime At);

    private static History Random(int seed)
    {
        var random = new Random(seed);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(Zones[random.Next(Zones.Length)]);
        var at = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(random.Next(0, 2 * 365 * 24 * 60));
        var items = new List<RetentionCandidate>();
        var seriesCount = random.Next(1, 4);
        for (var s = 0; s < seriesCount; s++)
        {
            var count = random.Next(0, 250);
            var t = at.AddMinutes(random.Next(-30, 120)); // a few items may be newer than the plan
            for (var i = 0; i < count; i++)
            {
                // Bursts (minutes), nightly (a day), gaps (weeks), and the odd exact repeat.
                t = t.AddMinutes(-(random.Next(4) switch { 0 => random.Next(0, 5), 1 => random.Next(30, 180), 2 => 1440, _ => random.Next(1440, 40000) }));
                items.Add(new RetentionCandidate(string.Create(CultureInfo.InvariantCulture, $"s{s}-{i:D4}"), $"series-{s}", t)
                {
                    Settled = random.Next(20) != 0,
                    Dependents = random.Next(15) == 0 ? "a clone" : null,
                });
            }
        }
        int Count() => random.Next(3) == 0 ? 0 : random.Next(1, 12);
        var rules = new RetentionRules
        {
            Last = Count(), Hourly = Count(), Daily = Count(), Weekly = Count(), Monthly = Count(), Yearly = Count(),
            MaxAge = random.Next(3) == 0 ? TimeSpan.FromHours(random.Next(1, 24 * 400)) : null,
        };
        return new History(items, rules, zone, at);
    }

    private static IReadOnlyList<RetentionDecision> Plan(History h, IEnumerable<RetentionCandidate>? items = null) =>
        RetentionPlanner.Plan(items ?? h.Items, h.Rules, h.Zone, h.At);

    /// <summary>The period of an instant as a person reads it off a local calendar (the hourly one as a real hour).</summary>
    private static string NaivePeriod(RetentionRule rule, DateTime utc, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTimeFromUtc(utc, zone);
        return rule switch
        {
            RetentionRule.Hourly => $"{local:yyyy-MM-dd HH} {zone.GetUtcOffset(utc)}",
            RetentionRule.Daily => local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            RetentionRule.Weekly => $"{ISOWeek.GetYear(local)}-{ISOWeek.GetWeekOfYear(local)}",
            RetentionRule.Monthly => local.ToString("yyyy-MM", CultureInfo.InvariantCulture),
            RetentionRule.Yearly => local.ToString("yyyy", CultureInfo.InvariantCulture),
            _ => throw new ArgumentOutOfRangeException(nameof(rule)),
        };
    }

    private static bool Counted(RetentionCandidate i, History h) =>
        i.Settled && i.TimeUtc <= h.At && (h.Rules.MaxAge is not { } age || i.TimeUtc >= h.At - age);

    [Theory, MemberData(nameof(Seeds))]
    public void Every_item_gets_exactly_one_decision_and_only_counted_items_without_dependents_are_removed(int seed)
    {
        var h = Random(seed);
        var plan = Plan(h);
        Assert.Equal(h.Items.Select(i => i.Id).Order(), plan.Select(d => d.Item.Id).Order());
        foreach (var d in plan.Where(d => d.Action == RetentionAction.Remove))
        {
            Assert.Null(d.Item.Dependents);
            Assert.True(d.Item.Settled);
            Assert.True(d.Item.TimeUtc <= h.At);
        }
        if (h.Rules.IsEmpty) Assert.DoesNotContain(plan, d => d.Action == RetentionAction.Remove);
    }

    [Theory, MemberData(nameof(Seeds))]
    public void The_newest_counted_item_of_each_of_the_n_most_recent_periods_is_kept(int seed)
    {
        var h = Random(seed);
        var kept = Plan(h).Where(d => d.Action == RetentionAction.Keep).Select(d => d.Item.Id).ToHashSet();
        foreach (var series in h.Items.Where(i => Counted(i, h)).GroupBy(i => i.Series))
        {
            var newestFirst = series.OrderByDescending(i => i.TimeUtc).ThenByDescending(i => i.Id, StringComparer.Ordinal).ToList();
            foreach (var item in newestFirst.Take(h.Rules.Last)) Assert.Contains(item.Id, kept);
            foreach (var (rule, count) in new[] { (RetentionRule.Hourly, h.Rules.Hourly), (RetentionRule.Daily, h.Rules.Daily),
                         (RetentionRule.Weekly, h.Rules.Weekly), (RetentionRule.Monthly, h.Rules.Monthly), (RetentionRule.Yearly, h.Rules.Yearly) })
            {
                var newestOfPeriods = newestFirst.GroupBy(i => NaivePeriod(rule, i.TimeUtc, h.Zone)).Select(g => g.First()).Take(count);
                foreach (var item in newestOfPeriods) Assert.Contains(item.Id, kept);
            }
        }
    }

    [Theory, MemberData(nameof(Seeds))]
    public void Each_rule_keeps_at_most_its_count_and_at_most_one_item_per_period(int seed)
    {
        var h = Random(seed);
        var plan = Plan(h);
        foreach (var series in plan.GroupBy(d => d.Item.Series))
        {
            foreach (var (rule, count) in h.Rules.Counts())
            {
                var keptByRule = series.Where(d => d.KeptBy.Contains(rule)).ToList();
                Assert.True(keptByRule.Count <= count, $"{rule} kept {keptByRule.Count} > {count}");
                if (rule == RetentionRule.Last) continue;
                Assert.Equal(keptByRule.Count, keptByRule.Select(d => NaivePeriod(rule, d.Item.TimeUtc, h.Zone)).Distinct().Count());
            }
        }
    }

    [Theory, MemberData(nameof(Seeds))]
    public void Applying_the_plan_and_planning_again_removes_nothing_more_and_keeps_for_the_same_reasons(int seed)
    {
        var h = Random(seed);
        var first = Plan(h);
        var left = first.Where(d => d.Action == RetentionAction.Keep).Select(d => d.Item).ToList();
        var second = Plan(h, left);
        Assert.DoesNotContain(second, d => d.Action == RetentionAction.Remove);
        var before = first.Where(d => d.Action == RetentionAction.Keep).ToDictionary(d => d.Item.Id, d => d.Rule);
        Assert.All(second, d => Assert.Equal(before[d.Item.Id], d.Rule));
    }

    [Theory, MemberData(nameof(Seeds))]
    public void A_larger_count_never_removes_what_a_smaller_one_keeps(int seed)
    {
        var h = Random(seed);
        var kept = Plan(h).Where(d => d.Action == RetentionAction.Keep).Select(d => d.Item.Id).ToHashSet();
        var more = h with { Rules = h.Rules with { Daily = h.Rules.Daily + 3, Monthly = h.Rules.Monthly + 1 } };
        var keptWithMore = Plan(more).Where(d => d.Action == RetentionAction.Keep).Select(d => d.Item.Id).ToHashSet();
        if (h.Rules.HasCountRule) Assert.Subset(keptWithMore, kept);
    }

    [Theory, MemberData(nameof(Seeds))]
    public void The_plan_does_not_depend_on_input_order(int seed)
    {
        var h = Random(seed);
        var shuffled = h.Items.OrderBy(_ => System.Random.Shared.Next()).ToList();
        Assert.Equal(Plan(h).Select(d => (d.Item.Id, d.Action, d.Rule)), Plan(h, shuffled).Select(d => (d.Item.Id, d.Action, d.Rule)));
    }
}
