namespace StorageSnapshot.Engine.Policies.Schedules;

/// <summary>
/// The slots of a policy: every occurrence of any of its schedules (two schedules firing at the same instant make
/// one slot). Pure: the clock is an argument.
/// </summary>
internal static class ScheduleSlots
{
    /// <summary>How far back a slot is looked for: a year covers every five-field cron expression that fires at all
    /// (the rarest, a February 29, fires within four years, so such a schedule finds its slot only in leap years).</summary>
    public static readonly TimeSpan LookBack = TimeSpan.FromDays(366);

    /// <summary>The latest slot at or before <paramref name="atUtc"/>, if any within <see cref="LookBack"/>.</summary>
    public static DateTime? Current(IEnumerable<PolicySchedule> schedules, TimeZoneInfo zone, DateTime atUtc)
    {
        RequireUtc(atUtc);
        DateTime? current = null;
        foreach (var schedule in schedules)
        {
            var latest = schedule.Latest(atUtc, zone, LookBack);
            if (latest is { } l && (current is null || l > current)) current = l;
        }
        return current;
    }

    /// <summary>The slots after <paramref name="afterUtc"/> and before <paramref name="beforeUtc"/>, oldest first, at most <paramref name="limit"/> (the newest ones).</summary>
    public static IReadOnlyList<DateTime> Between(IEnumerable<PolicySchedule> schedules, TimeZoneInfo zone, DateTime afterUtc, DateTime beforeUtc, int limit)
    {
        RequireUtc(afterUtc);
        RequireUtc(beforeUtc);
        if (beforeUtc <= afterUtc) return Array.Empty<DateTime>();
        var slots = new SortedSet<DateTime>();
        foreach (var schedule in schedules)
        {
            foreach (var slot in schedule.Occurrences(afterUtc, beforeUtc, zone))
            {
                if (slot >= beforeUtc) break;
                slots.Add(slot);
                if (slots.Count > limit) slots.Remove(slots.Min);
            }
        }
        return slots.ToList();
    }

    private static void RequireUtc(DateTime utc)
    {
        if (utc.Kind != DateTimeKind.Utc) throw new ArgumentException("Slot times are UTC.", nameof(utc));
    }
}
