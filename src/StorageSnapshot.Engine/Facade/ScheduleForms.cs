using StorageSnapshot.Engine.Policies.Schedules;

namespace StorageSnapshot.Engine.Facade;

/// <summary>
/// The friendly schedule forms (hourly at a minute, daily, weekly on days, monthly on a day) as the cron expressions a
/// <see cref="PolicyRequest"/> carries. The façade's door to the schedule rules, which stay internal to the engine.
/// </summary>
public static class ScheduleForms
{
    /// <summary>Every hour at <paramref name="minute"/> past.</summary>
    public static string Hourly(int minute) => PolicySchedule.Hourly(minute).Cron;

    /// <summary>Every day at <paramref name="at"/>.</summary>
    public static string Daily(TimeSpan at) => PolicySchedule.Daily(at).Cron;

    /// <summary>On each of <paramref name="days"/> at <paramref name="at"/>.</summary>
    public static string Weekly(IEnumerable<DayOfWeek> days, TimeSpan at) => PolicySchedule.Weekly(days, at).Cron;

    /// <summary>On day <paramref name="day"/> of every month at <paramref name="at"/>.</summary>
    public static string Monthly(int day, TimeSpan at) => PolicySchedule.Monthly(day, at).Cron;
}
