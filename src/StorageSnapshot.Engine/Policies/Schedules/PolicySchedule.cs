using System.Globalization;
using Cronos;

namespace StorageSnapshot.Engine.Policies.Schedules;

/// <summary>
/// When a policy takes snapshots: a standard five-field cron expression (minute hour day-of-month month
/// day-of-week, parsed by Cronos) read in the policy's time zone. The friendly forms are cron expressions too
/// (<see cref="Hourly"/>, <see cref="Daily"/>, <see cref="Weekly"/>, <see cref="Monthly"/>), so there is one kind
/// of schedule to store and reason about.
/// </summary>
internal sealed record PolicySchedule
{
    private PolicySchedule(string cron, CronExpression expression)
    {
        Cron = cron;
        Expression = expression;
    }

    /// <summary>The cron expression as given (or as a friendly form wrote it).</summary>
    public string Cron { get; }

    internal CronExpression Expression { get; }

    /// <summary>The schedule, or the problem with the expression in one sentence.</summary>
    public static PolicySchedule Parse(string cron)
    {
        if (TryParse(cron, out var schedule, out var problem)) return schedule!;
        throw new ValidationException(ErrorIds.InvalidArgument, problem!, cron);
    }

    /// <summary>False with one sentence saying what is wrong when <paramref name="cron"/> is not a five-field cron expression.</summary>
    public static bool TryParse(string? cron, out PolicySchedule? schedule, out string? problem)
    {
        schedule = null;
        problem = null;
        if (string.IsNullOrWhiteSpace(cron))
        {
            problem = "The schedule is empty; give a cron expression such as '0 2 * * *' (02:00 every day).";
            return false;
        }
        var text = cron.Trim();
        try
        {
            schedule = new PolicySchedule(text, CronExpression.Parse(text, CronFormat.Standard));
            return true;
        }
        catch (CronFormatException e)
        {
            problem = $"The schedule '{text}' is not a cron expression of five fields (minute hour day-of-month month day-of-week): {e.Message}";
            return false;
        }
    }

    /// <summary>Every hour at <paramref name="minute"/> past.</summary>
    public static PolicySchedule Hourly(int minute = 0) => Parse(string.Create(CultureInfo.InvariantCulture, $"{Minute(minute)} * * * *"));

    /// <summary>Every day at <paramref name="at"/> (local time of the policy's zone).</summary>
    public static PolicySchedule Daily(TimeSpan at) => Parse(string.Create(CultureInfo.InvariantCulture, $"{TimeOfDay(at)} * * *"));

    /// <summary>Every week on <paramref name="days"/> at <paramref name="at"/>.</summary>
    public static PolicySchedule Weekly(IEnumerable<DayOfWeek> days, TimeSpan at)
    {
        var list = days.Distinct().Order().Select(d => ((int)d).ToString(CultureInfo.InvariantCulture)).ToList();
        if (list.Count == 0) throw new ValidationException(ErrorIds.InvalidArgument, "A weekly schedule needs at least one day of the week.", null);
        return Parse(string.Create(CultureInfo.InvariantCulture, $"{TimeOfDay(at)} * * {string.Join(',', list)}"));
    }

    /// <summary>Every month on day <paramref name="day"/> (1 to 31; months without that day are skipped, as cron does) at <paramref name="at"/>.</summary>
    public static PolicySchedule Monthly(int day, TimeSpan at)
    {
        if (day is < 1 or > 31)
            throw new ValidationException(ErrorIds.InvalidArgument, $"The day of the month must be 1 to 31; got {day.ToString(CultureInfo.InvariantCulture)}.", day);
        return Parse(string.Create(CultureInfo.InvariantCulture, $"{TimeOfDay(at)} {day} * *"));
    }

    private static string Minute(int minute)
    {
        if (minute is < 0 or > 59)
            throw new ValidationException(ErrorIds.InvalidArgument, $"The minute past the hour must be 0 to 59; got {minute.ToString(CultureInfo.InvariantCulture)}.", minute);
        return minute.ToString(CultureInfo.InvariantCulture);
    }

    private static string TimeOfDay(TimeSpan at)
    {
        if (at < TimeSpan.Zero || at >= TimeSpan.FromDays(1) || at.Seconds != 0 || at.Milliseconds != 0)
            throw new ValidationException(ErrorIds.InvalidArgument,
                $"The time of day must be whole minutes from 00:00 to 23:59; got {at.ToString("c", CultureInfo.InvariantCulture)}.", at);
        return string.Create(CultureInfo.InvariantCulture, $"{at.Minutes} {at.Hours}");
    }

    /// <summary>The occurrences after <paramref name="afterUtc"/> up to and including <paramref name="untilUtc"/>, oldest first.</summary>
    /// <remarks>
    /// Cronos reads the expression in <paramref name="zone"/>: a time skipped when clocks go forward fires at the
    /// moment of the change, a time repeated when they go back fires once (the first time).
    /// </remarks>
    public IEnumerable<DateTime> Occurrences(DateTime afterUtc, DateTime untilUtc, TimeZoneInfo zone) =>
        Expression.GetOccurrences(afterUtc, untilUtc, zone, fromInclusive: false, toInclusive: true);

    /// <summary>The latest occurrence at or before <paramref name="atUtc"/>, looking back at most <paramref name="lookBack"/>.</summary>
    public DateTime? Latest(DateTime atUtc, TimeZoneInfo zone, TimeSpan lookBack)
    {
        DateTime? latest = null;
        foreach (var occurrence in Occurrences(atUtc - lookBack, atUtc, zone)) latest = occurrence;
        return latest;
    }

    /// <inheritdoc />
    public override string ToString() => Cron;
}
