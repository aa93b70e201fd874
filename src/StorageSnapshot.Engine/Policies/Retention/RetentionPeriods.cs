using System.Globalization;

namespace StorageSnapshot.Engine.Policies.Retention;

/// <summary>
/// The period an instant falls in, for each count rule, in a time zone. Keys are numbers that are equal exactly
/// when two instants share the period:
/// <list type="bullet">
/// <item>Hourly: the real hour (the UTC instant less its minutes past the local hour), so the hour repeated when
/// clocks go back is two periods, as it is two hours of data.</item>
/// <item>Daily, Monthly, Yearly: the local calendar date, month, year.</item>
/// <item>Weekly: the ISO 8601 week of the local date (weeks start on Monday; week 1 holds the year's first Thursday).</item>
/// </list>
/// Local calendar keys are not always monotonic in real time (a zone whose clocks go back at midnight repeats the
/// end of the previous day), which is why the planner collects keys in a set rather than comparing neighbours.
/// </summary>
internal readonly struct RetentionPeriods
{
    private readonly DateTime local;
    private readonly long hourKey;
    private readonly long utcTicks;

    public RetentionPeriods(DateTime utc, TimeZoneInfo zone)
    {
        local = TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone);
        var pastTheHour = local.Ticks % TimeSpan.TicksPerHour;
        utcTicks = utc.Ticks;
        hourKey = utc.Ticks - pastTheHour;
    }

    /// <summary>The zone's offset from UTC at the instant (whole minutes in every zone the tz database has today).</summary>
    private TimeSpan Offset => TimeSpan.FromMinutes(Math.Round(TimeSpan.FromTicks(local.Ticks - utcTicks).TotalMinutes));

    public long Key(RetentionRule rule) => rule switch
    {
        RetentionRule.Last => 0,
        RetentionRule.Hourly => hourKey,
        RetentionRule.Daily => local.Date.Ticks / TimeSpan.TicksPerDay,
        RetentionRule.Weekly => ISOWeek.GetYear(local) * 100L + ISOWeek.GetWeekOfYear(local),
        RetentionRule.Monthly => local.Year * 12L + local.Month - 1,
        RetentionRule.Yearly => local.Year,
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, "Not a count rule."),
    };

    /// <summary>The period in words: "2026-03-29 02:00 +01:00", "2026-03-29", "2026-W13", "2026-03", "2026".</summary>
    public string? Label(RetentionRule rule) => rule switch
    {
        RetentionRule.Hourly => new DateTimeOffset(local.Ticks - local.Ticks % TimeSpan.TicksPerHour, Offset)
                                .ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture),
        RetentionRule.Daily => local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        RetentionRule.Weekly => string.Create(CultureInfo.InvariantCulture, $"{ISOWeek.GetYear(local):D4}-W{ISOWeek.GetWeekOfYear(local):D2}"),
        RetentionRule.Monthly => local.ToString("yyyy-MM", CultureInfo.InvariantCulture),
        RetentionRule.Yearly => local.ToString("yyyy", CultureInfo.InvariantCulture),
        _ => null,
    };
}
