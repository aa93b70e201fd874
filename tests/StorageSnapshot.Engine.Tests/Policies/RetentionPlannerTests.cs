using StorageSnapshot.Engine.Policies.Retention;

namespace StorageSnapshot.Engine.Tests.Policies;

/// <summary>The retention rules one at a time, on small hand-made histories (UTC unless said otherwise).</summary>
public sealed class RetentionPlannerTests
{
    private static readonly DateTime Now = new(2026, 6, 15, 12, 0, 0, DateTimeKind.Utc);

    private static RetentionCandidate Item(string id, DateTime utc, string series = "v1") => new(id, series, utc);

    private static Dictionary<string, RetentionDecision> Plan(RetentionRules rules, params RetentionCandidate[] items) =>
        RetentionPlanner.Plan(items, rules, TimeZoneInfo.Utc, Now).ToDictionary(d => d.Item.Id);

    /// <summary>One snapshot a day at 02:00 for <paramref name="days"/> days up to Now, ids d00 (oldest) ...</summary>
    private static RetentionCandidate[] Nightly(int days, string series = "v1") =>
        Enumerable.Range(0, days)
            .Select(i => Item($"{series}-d{i:D3}", Now.Date.AddDays(i - days + 1).AddHours(2), series))
            .ToArray();

    [Fact]
    public void Last_keeps_the_newest_n_and_removes_the_rest()
    {
        var plan = Plan(new RetentionRules { Last = 3 }, Nightly(5));
        Assert.Equal(new[] { "v1-d002", "v1-d003", "v1-d004" }, plan.Values.Where(d => d.Action == RetentionAction.Keep).Select(d => d.Item.Id).Order());
        Assert.All(plan.Values.Where(d => d.Action == RetentionAction.Keep), d => Assert.Equal(RetentionRule.Last, d.Rule));
        Assert.All(plan.Values.Where(d => d.Action == RetentionAction.Remove), d => Assert.Equal(RetentionRule.NoRuleKeepsIt, d.Rule));
    }

    [Fact]
    public void Daily_keeps_the_newest_of_each_day_not_the_first()
    {
        var day = Now.Date;
        var plan = Plan(new RetentionRules { Daily = 2 },
            Item("early", day.AddHours(1)), Item("late", day.AddHours(9)),
            Item("yesterday-early", day.AddDays(-1).AddHours(1)), Item("yesterday-late", day.AddDays(-1).AddHours(23)),
            Item("two-days-ago", day.AddDays(-2)));
        Assert.Equal(RetentionAction.Keep, plan["late"].Action);
        Assert.Equal("2026-06-15", plan["late"].Period);
        Assert.Equal(RetentionAction.Keep, plan["yesterday-late"].Action);
        Assert.Equal(RetentionAction.Remove, plan["early"].Action);
        Assert.Equal(RetentionAction.Remove, plan["yesterday-early"].Action);
        Assert.Equal(RetentionAction.Remove, plan["two-days-ago"].Action);
    }

    [Fact]
    public void Counts_skip_periods_without_items_rather_than_counting_calendar_periods()
    {
        // Three snapshots spread over three months with gaps: Daily 3 keeps all three, however far apart.
        var plan = Plan(new RetentionRules { Daily = 3 },
            Item("a", Now.AddDays(-1)), Item("b", Now.AddDays(-40)), Item("c", Now.AddDays(-80)));
        Assert.All(plan.Values, d => Assert.Equal(RetentionAction.Keep, d.Action));
    }

    [Fact]
    public void Rules_combine_and_the_first_rule_in_order_is_named_with_every_rule_listed()
    {
        var rules = new RetentionRules { Last = 1, Daily = 7, Weekly = 4, Monthly = 3 };
        var plan = Plan(rules, Nightly(120));
        var newest = plan["v1-d119"];
        Assert.Equal(RetentionRule.Last, newest.Rule);
        Assert.Equal(new[] { RetentionRule.Last, RetentionRule.Daily, RetentionRule.Weekly, RetentionRule.Monthly }, newest.KeptBy);

        // 2026-06-15 is a Monday: the newest Sunday before it closes ISO week 24, kept by Daily and Weekly.
        var sunday = plan.Values.Single(d => d.Item.TimeUtc.Date == new DateTime(2026, 6, 14));
        Assert.Equal(RetentionRule.Daily, sunday.Rule);
        Assert.Contains(RetentionRule.Weekly, sunday.KeptBy);

        // 7 daily, 4 weekly and 3 monthly, overlapping: exactly these days.
        var kept = plan.Values.Where(d => d.Action == RetentionAction.Keep).Select(d => d.Item.TimeUtc.Date).ToHashSet();
        var expected = new HashSet<DateTime>();
        for (var i = 0; i < 7; i++) expected.Add(Now.Date.AddDays(-i));
        expected.Add(new DateTime(2026, 6, 7)); expected.Add(new DateTime(2026, 5, 31)); // weeks 23 and 22 (24 and 25 are daily)
        expected.Add(new DateTime(2026, 4, 30));                                          // April (June and May are kept already)
        Assert.Equal(expected.Order(), kept.Order());
        var monthlyApril = plan.Values.Single(d => d.Item.TimeUtc.Date == new DateTime(2026, 4, 30));
        Assert.Equal(RetentionRule.Monthly, monthlyApril.Rule);
        Assert.Equal("2026-04", monthlyApril.Period);
    }

    [Fact]
    public void Yearly_keeps_the_last_item_of_each_year()
    {
        var plan = Plan(new RetentionRules { Yearly = 2 },
            Item("2026", Now), Item("2025-dec", new DateTime(2025, 12, 31, 23, 0, 0, DateTimeKind.Utc)),
            Item("2025-jan", new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc)), Item("2024", new DateTime(2024, 7, 1, 0, 0, 0, DateTimeKind.Utc)));
        Assert.Equal(RetentionAction.Keep, plan["2026"].Action);
        Assert.Equal(RetentionAction.Keep, plan["2025-dec"].Action);
        Assert.Equal("2025", plan["2025-dec"].Period);
        Assert.Equal(RetentionAction.Remove, plan["2025-jan"].Action);
        Assert.Equal(RetentionAction.Remove, plan["2024"].Action);
    }

    [Fact]
    public void Max_age_alone_keeps_what_is_younger_and_removes_what_is_older()
    {
        var plan = Plan(new RetentionRules { MaxAge = TimeSpan.FromDays(7) }, Nightly(10));
        Assert.Equal(7, plan.Values.Count(d => d.Action == RetentionAction.Keep && d.Rule == RetentionRule.MaxAge));
        Assert.Equal(3, plan.Values.Count(d => d.Action == RetentionAction.Remove && d.Rule == RetentionRule.MaxAge));
    }

    [Fact]
    public void Max_age_caps_the_count_rules_and_older_items_do_not_use_up_a_count()
    {
        var plan = Plan(new RetentionRules { Monthly = 12, MaxAge = TimeSpan.FromDays(45) }, Nightly(120));
        var kept = plan.Values.Where(d => d.Action == RetentionAction.Keep).ToList();
        Assert.All(kept, d => Assert.True(d.Item.TimeUtc >= Now.AddDays(-45)));
        Assert.Equal(new[] { "2026-05", "2026-06" }, kept.Select(d => d.Period).Order());
        Assert.All(plan.Values.Where(d => d.Item.TimeUtc < Now.AddDays(-45)), d => Assert.Equal(RetentionRule.MaxAge, d.Rule));
    }

    [Fact]
    public void An_item_with_dependents_is_kept_and_the_plan_says_why()
    {
        var items = Nightly(3);
        items[0] = items[0] with { Dependents = "clone 'db01-test'" };
        var plan = Plan(new RetentionRules { Last = 1 }, items);
        Assert.Equal(RetentionAction.Keep, plan["v1-d000"].Action);
        Assert.Equal(RetentionRule.HasDependents, plan["v1-d000"].Rule);
        Assert.Equal(RetentionAction.Remove, plan["v1-d001"].Action);
    }

    [Fact]
    public void Unsettled_and_future_items_are_kept_and_not_counted()
    {
        var plan = Plan(new RetentionRules { Last = 1 },
            Item("failed", Now.AddMinutes(-1)) with { Settled = false },
            Item("future", Now.AddDays(1)),
            Item("newest-settled", Now.AddDays(-1)),
            Item("older", Now.AddDays(-2)));
        Assert.Equal(RetentionRule.NotSettled, plan["failed"].Rule);
        Assert.Equal(RetentionRule.NewerThanPlan, plan["future"].Rule);
        Assert.Equal(RetentionRule.Last, plan["newest-settled"].Rule);
        Assert.Equal(RetentionAction.Remove, plan["older"].Action);
    }

    [Fact]
    public void No_rules_keep_everything()
    {
        var plan = Plan(new RetentionRules(), Nightly(4));
        Assert.All(plan.Values, d => Assert.Equal((RetentionAction.Keep, RetentionRule.NoRetention), (d.Action, d.Rule)));
    }

    [Fact]
    public void Series_are_counted_separately()
    {
        var plan = Plan(new RetentionRules { Last = 2 }, Nightly(4, "v1").Concat(Nightly(4, "v2")).ToArray());
        Assert.Equal(2, plan.Values.Count(d => d.Item.Series == "v1" && d.Action == RetentionAction.Keep));
        Assert.Equal(2, plan.Values.Count(d => d.Item.Series == "v2" && d.Action == RetentionAction.Keep));
    }

    [Fact]
    public void Equal_times_are_ordered_by_id_so_the_plan_is_the_same_whatever_the_input_order()
    {
        var items = new[] { Item("b", Now), Item("a", Now), Item("c", Now) };
        var one = RetentionPlanner.Plan(items, new RetentionRules { Last = 1 }, TimeZoneInfo.Utc, Now);
        var two = RetentionPlanner.Plan(items.Reverse(), new RetentionRules { Last = 1 }, TimeZoneInfo.Utc, Now);
        Assert.Equal(one.Select(d => (d.Item.Id, d.Action)), two.Select(d => (d.Item.Id, d.Action)));
        Assert.Equal("c", one.Single(d => d.Action == RetentionAction.Keep).Item.Id);
    }

    [Fact]
    public void Bad_rules_are_reported_one_sentence_each()
    {
        var problems = new RetentionRules { Daily = -1, Weekly = -2, MaxAge = TimeSpan.Zero }.Problems("snapshot retention");
        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.Contains("'Daily' is -1", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("maximum age must be positive", StringComparison.Ordinal));
    }

    [Fact]
    public void A_plan_time_that_is_not_utc_is_refused()
    {
        Assert.Throws<ArgumentException>(() => RetentionPlanner.Plan(Nightly(1), new RetentionRules { Last = 1 }, TimeZoneInfo.Utc, DateTime.Now));
    }

    [Fact]
    public void Rules_read_as_words()
    {
        Assert.Equal("Last 2, Daily 7, MaxAge 90.00:00:00", new RetentionRules { Last = 2, Daily = 7, MaxAge = TimeSpan.FromDays(90) }.ToString());
        Assert.Equal("none", new RetentionRules().ToString());
    }
}
