using StorageSnapshot.Engine.Policies.Retention;

namespace StorageSnapshot.Engine.Tests.Policies;

/// <summary>
/// Periods are the policy's local calendar: daylight-saving changes, month and year ends, ISO weeks across a new
/// year, leap days, zones whose offset is not whole hours. The clock is the plan's time, never the machine's.
/// </summary>
public sealed class RetentionCalendarTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private static readonly TimeZoneInfo LordHowe = TimeZoneInfo.FindSystemTimeZoneById("Australia/Lord_Howe");

    private static DateTime Utc(int y, int mo, int d, int h, int mi = 0) => new(y, mo, d, h, mi, 0, DateTimeKind.Utc);

    private static Dictionary<string, RetentionDecision> Plan(RetentionRules rules, TimeZoneInfo zone, DateTime at, params (string Id, DateTime Utc)[] items) =>
        RetentionPlanner.Plan(items.Select(i => new RetentionCandidate(i.Id, "v", i.Utc)), rules, zone, at).ToDictionary(d => d.Item.Id);

    [Fact]
    public void The_hour_repeated_when_clocks_go_back_is_two_hourly_periods()
    {
        // 2026-10-25 in Berlin: 03:00 CEST becomes 02:00 CET; 02:30 happens at 00:30Z and again at 01:30Z.
        var plan = Plan(new RetentionRules { Hourly = 2 }, Berlin, Utc(2026, 10, 25, 2),
            ("first-0230", Utc(2026, 10, 25, 0, 30)), ("second-0230", Utc(2026, 10, 25, 1, 30)), ("0130", Utc(2026, 10, 24, 23, 30)));
        Assert.Equal(RetentionAction.Keep, plan["first-0230"].Action);
        Assert.Equal(RetentionAction.Keep, plan["second-0230"].Action);
        Assert.Equal("2026-10-25 02:00 +02:00", plan["first-0230"].Period);
        Assert.Equal("2026-10-25 02:00 +01:00", plan["second-0230"].Period);
        Assert.Equal(RetentionAction.Remove, plan["0130"].Action);
    }

    [Fact]
    public void The_day_clocks_go_back_is_one_daily_period_of_25_hours()
    {
        var plan = Plan(new RetentionRules { Daily = 1 }, Berlin, Utc(2026, 10, 26, 0),
            ("00:10 CEST", Utc(2026, 10, 24, 22, 10)), ("23:50 CET", Utc(2026, 10, 25, 22, 50)));
        Assert.Equal(RetentionAction.Keep, plan["23:50 CET"].Action);
        Assert.Equal("2026-10-25", plan["23:50 CET"].Period);
        Assert.Equal(RetentionAction.Remove, plan["00:10 CEST"].Action);
    }

    [Fact]
    public void The_day_clocks_go_forward_is_one_daily_period_of_23_hours()
    {
        // 2026-03-29 in Berlin: 02:00 CET becomes 03:00 CEST. Snapshots at local 01:30 and 03:30 are one hour apart.
        var plan = Plan(new RetentionRules { Daily = 2, Hourly = 2 }, Berlin, Utc(2026, 3, 29, 12),
            ("01:30", Utc(2026, 3, 29, 0, 30)), ("03:30", Utc(2026, 3, 29, 1, 30)), ("day-before", Utc(2026, 3, 28, 12)));
        Assert.Equal(RetentionRule.Hourly, plan["03:30"].Rule);
        Assert.Equal("2026-03-29 03:00 +02:00", plan["03:30"].Period);
        Assert.Equal(RetentionRule.Hourly, plan["01:30"].Rule);
        Assert.DoesNotContain(RetentionRule.Daily, plan["01:30"].KeptBy); // same day as 03:30
        Assert.Equal(RetentionRule.Daily, plan["day-before"].Rule);
    }

    [Fact]
    public void A_nightly_snapshot_at_local_0200_stays_one_a_day_across_both_changes_in_new_york()
    {
        // 02:00 local does not exist on 2026-03-08 (a scheduler fires at 03:00) and exists twice on 2026-11-01.
        var items = new List<(string, DateTime)>();
        for (var day = new DateTime(2026, 3, 1); day <= new DateTime(2026, 11, 10); day = day.AddDays(1))
        {
            var local = day.AddHours(2);
            if (NewYork.IsInvalidTime(local)) local = local.AddHours(1);
            items.Add((day.ToString("yyyy-MM-dd"), TimeZoneInfo.ConvertTimeToUtc(local, NewYork)));
        }
        var plan = Plan(new RetentionRules { Daily = 300 }, NewYork, Utc(2026, 11, 11, 0), items.ToArray());
        Assert.All(plan.Values, d => Assert.Equal(RetentionAction.Keep, d.Action));
        Assert.All(plan.Values, d => Assert.Equal(d.Item.Id, d.Period));
    }

    [Fact]
    public void Month_ends_are_local_a_snapshot_after_local_midnight_is_the_next_month_though_utc_says_otherwise()
    {
        // 2026-01-31 23:30 in Berlin is 22:30Z; 2026-02-01 00:30 in Berlin is 23:30Z on January 31.
        var plan = Plan(new RetentionRules { Monthly = 2 }, Berlin, Utc(2026, 2, 2, 0),
            ("jan-31", Utc(2026, 1, 31, 22, 30)), ("feb-01", Utc(2026, 1, 31, 23, 30)), ("jan-15", Utc(2026, 1, 15, 0)));
        Assert.Equal("2026-02", plan["feb-01"].Period);
        Assert.Equal("2026-01", plan["jan-31"].Period);
        Assert.Equal(RetentionAction.Remove, plan["jan-15"].Action);

        // In UTC the same two are both January: one monthly period, and the newer wins.
        var utc = Plan(new RetentionRules { Monthly = 2 }, TimeZoneInfo.Utc, Utc(2026, 2, 2, 0),
            ("jan-31", Utc(2026, 1, 31, 22, 30)), ("feb-01", Utc(2026, 1, 31, 23, 30)), ("jan-15", Utc(2026, 1, 15, 0)));
        Assert.Equal(RetentionAction.Keep, utc["feb-01"].Action);
        Assert.Equal(RetentionAction.Remove, utc["jan-31"].Action);
    }

    [Fact]
    public void Monthly_over_a_year_of_month_ends_including_february_and_a_leap_day()
    {
        var items = new List<(string, DateTime)>();
        for (var month = new DateTime(2027, 1, 1); month < new DateTime(2029, 1, 1); month = month.AddMonths(1))
        {
            var last = month.AddMonths(1).AddDays(-1);
            items.Add((last.ToString("yyyy-MM-dd"), TimeZoneInfo.ConvertTimeToUtc(last.AddHours(23).AddMinutes(59), Berlin)));
            items.Add(("first-" + month.ToString("yyyy-MM"), TimeZoneInfo.ConvertTimeToUtc(month.AddMinutes(1), Berlin)));
        }
        var plan = Plan(new RetentionRules { Monthly = 24, Yearly = 2 }, Berlin, Utc(2029, 1, 1, 0), items.ToArray());
        var kept = plan.Values.Where(d => d.Action == RetentionAction.Keep).Select(d => d.Item.Id).Order().ToList();
        Assert.Equal(24, kept.Count);
        Assert.Contains("2028-02-29", kept);
        Assert.Contains("2027-02-28", kept);
        Assert.All(kept, id => Assert.False(id.StartsWith("first-", StringComparison.Ordinal)));
        Assert.Equal(new[] { RetentionRule.Monthly, RetentionRule.Yearly }, plan["2028-12-31"].KeptBy);
        Assert.Equal(new[] { RetentionRule.Monthly, RetentionRule.Yearly }, plan["2027-12-31"].KeptBy);
    }

    [Fact]
    public void Iso_weeks_span_the_new_year_and_week_53_exists()
    {
        // 2026-12-31 (Thursday) and 2027-01-03 (Sunday) are both in ISO week 2026-W53; 2027-01-04 starts 2027-W01.
        var plan = Plan(new RetentionRules { Weekly = 2 }, TimeZoneInfo.Utc, Utc(2027, 1, 5, 0),
            ("thu", Utc(2026, 12, 31, 12)), ("sun", Utc(2027, 1, 3, 12)), ("mon", Utc(2027, 1, 4, 12)), ("prev-week", Utc(2026, 12, 27, 12)));
        Assert.Equal("2027-W01", plan["mon"].Period);
        Assert.Equal("2026-W53", plan["sun"].Period);
        Assert.Equal(RetentionAction.Remove, plan["thu"].Action);
        Assert.Equal(RetentionAction.Remove, plan["prev-week"].Action);
    }

    [Fact]
    public void Half_hour_daylight_saving_in_lord_howe_keeps_hourly_periods_on_local_hours()
    {
        // Lord Howe (+10:30 standard, +11 summer) goes back 30 minutes at 02:00 local on 2026-04-05: 01:30-02:00
        // local happens twice. Local hours start at :30 UTC there in winter, at :00 UTC in summer.
        var plan = Plan(new RetentionRules { Hourly = 3 }, LordHowe, Utc(2026, 4, 5, 0),
            ("a", Utc(2026, 4, 4, 14, 40)), ("b", Utc(2026, 4, 4, 15, 10)), ("c", Utc(2026, 4, 4, 15, 20)), ("d", Utc(2026, 4, 4, 15, 45)));
        // a = 01:40 +11; then the change at 15:00Z: b = 01:40 +10:30, c = 01:50 +10:30 (one local hour), d = 02:15 +10:30.
        Assert.Equal("2026-04-05 01:00 +11:00", plan["a"].Period);
        Assert.Equal("2026-04-05 01:00 +10:30", plan["c"].Period);
        Assert.Equal("2026-04-05 02:00 +10:30", plan["d"].Period);
        Assert.Equal(RetentionAction.Remove, plan["b"].Action);
        Assert.Equal(RetentionAction.Keep, plan["a"].Action);
    }

    [Fact]
    public void Max_age_is_exact_time_not_calendar_days_across_a_change()
    {
        // 7 days before 2026-11-03 12:00Z is 2026-10-27 12:00Z whatever happened to the clocks in between.
        var plan = Plan(new RetentionRules { MaxAge = TimeSpan.FromDays(7) }, Berlin, Utc(2026, 11, 3, 12),
            ("inside", Utc(2026, 10, 27, 12)), ("outside", Utc(2026, 10, 27, 11, 59)));
        Assert.Equal(RetentionAction.Keep, plan["inside"].Action);
        Assert.Equal(RetentionAction.Remove, plan["outside"].Action);
    }
}
