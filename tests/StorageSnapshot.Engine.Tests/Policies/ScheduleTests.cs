using StorageSnapshot.Engine.Policies;
using StorageSnapshot.Engine.Policies.Schedules;

namespace StorageSnapshot.Engine.Tests.Policies;

/// <summary>Schedules (cron via Cronos, the friendly forms), slots in a time zone across DST, and slot tokens.</summary>
public sealed class ScheduleTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    private static DateTime Utc(int y, int mo, int d, int h, int mi = 0) => new(y, mo, d, h, mi, 0, DateTimeKind.Utc);

    [Fact]
    public void Friendly_forms_are_cron_expressions()
    {
        Assert.Equal("0 * * * *", PolicySchedule.Hourly().Cron);
        Assert.Equal("15 * * * *", PolicySchedule.Hourly(15).Cron);
        Assert.Equal("30 2 * * *", PolicySchedule.Daily(new TimeSpan(2, 30, 0)).Cron);
        Assert.Equal("0 3 * * 0,6", PolicySchedule.Weekly(new[] { DayOfWeek.Saturday, DayOfWeek.Sunday }, new TimeSpan(3, 0, 0)).Cron);
        Assert.Equal("0 1 1 * *", PolicySchedule.Monthly(1, new TimeSpan(1, 0, 0)).Cron);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0 2 * *")]
    [InlineData("0 25 * * *")]
    [InlineData("every night")]
    public void A_bad_expression_is_one_clear_sentence(string cron)
    {
        Assert.False(PolicySchedule.TryParse(cron, out _, out var problem));
        Assert.StartsWith("The schedule", problem);
        Assert.Equal(ErrorIds.InvalidArgument, Assert.Throws<ValidationException>(() => PolicySchedule.Parse(cron)).ErrorId);
    }

    [Fact]
    public void Friendly_forms_refuse_out_of_range_values()
    {
        Assert.Throws<ValidationException>(() => PolicySchedule.Hourly(60));
        Assert.Throws<ValidationException>(() => PolicySchedule.Daily(TimeSpan.FromHours(24)));
        Assert.Throws<ValidationException>(() => PolicySchedule.Daily(new TimeSpan(2, 0, 30)));
        Assert.Throws<ValidationException>(() => PolicySchedule.Monthly(32, TimeSpan.Zero));
        Assert.Throws<ValidationException>(() => PolicySchedule.Weekly(Array.Empty<DayOfWeek>(), TimeSpan.Zero));
    }

    [Fact]
    public void The_current_slot_is_the_latest_occurrence_at_or_before_the_time_in_the_zone()
    {
        var daily = new[] { PolicySchedule.Parse("0 2 * * *") };
        Assert.Equal(Utc(2027, 1, 10, 1), ScheduleSlots.Current(daily, Berlin, Utc(2027, 1, 10, 1)));      // 02:00 CET exactly
        Assert.Equal(Utc(2027, 1, 9, 1), ScheduleSlots.Current(daily, Berlin, Utc(2027, 1, 10, 0, 59)));
        Assert.Equal(Utc(2027, 7, 10, 0), ScheduleSlots.Current(daily, Berlin, Utc(2027, 7, 10, 12)));      // 02:00 CEST
    }

    [Fact]
    public void A_slot_skipped_by_the_spring_change_fires_at_the_change_and_a_repeated_one_fires_once()
    {
        var daily = new[] { PolicySchedule.Parse("30 2 * * *") };
        // 2027-03-28: 02:00 CET becomes 03:00 CEST; 02:30 does not exist and fires at 01:00Z (03:00 CEST).
        Assert.Equal(Utc(2027, 3, 28, 1), ScheduleSlots.Current(daily, Berlin, Utc(2027, 3, 28, 6)));
        // 2027-10-31: 02:30 happens at 00:30Z and at 01:30Z; the slot is the first.
        var slots = ScheduleSlots.Between(daily, Berlin, Utc(2027, 10, 30, 12), Utc(2027, 11, 1, 12), 10);
        Assert.Equal(new[] { Utc(2027, 10, 31, 0, 30), Utc(2027, 11, 1, 1, 30) }, slots);
    }

    [Fact]
    public void Several_schedules_merge_and_equal_instants_are_one_slot()
    {
        var schedules = new[] { PolicySchedule.Parse("0 2 * * *"), PolicySchedule.Parse("0 2 * * 0"), PolicySchedule.Parse("0 14 * * *") };
        var slots = ScheduleSlots.Between(schedules, TimeZoneInfo.Utc, Utc(2027, 1, 2, 12), Utc(2027, 1, 4, 3), 100);
        Assert.Equal(new[] { Utc(2027, 1, 2, 14), Utc(2027, 1, 3, 2), Utc(2027, 1, 3, 14), Utc(2027, 1, 4, 2) }, slots);
        Assert.Equal(2, ScheduleSlots.Between(schedules, TimeZoneInfo.Utc, Utc(2027, 1, 2, 12), Utc(2027, 1, 4, 3), 2).Count);
    }

    [Fact]
    public void Month_end_schedules_skip_months_without_the_day()
    {
        var thirtyFirst = new[] { PolicySchedule.Monthly(31, TimeSpan.Zero) };
        Assert.Equal(Utc(2027, 1, 31, 0), ScheduleSlots.Current(thirtyFirst, TimeZoneInfo.Utc, Utc(2027, 3, 30, 0)));
    }

    [Fact]
    public void A_slot_token_names_the_policy_and_the_slot_and_fits_a_client_token()
    {
        var token = PolicyTokens.For("nightly", Utc(2027, 1, 3, 1));
        Assert.Equal("policy:nightly:20270103T010000Z", token);
        Assert.True(PolicyTokens.TryParse(token, out var policy, out var slot));
        Assert.Equal(("nightly", Utc(2027, 1, 3, 1), DateTimeKind.Utc), (policy, slot, slot.Kind));
        Assert.True(PolicyTokens.IsOf(token, "NIGHTLY", out _));
        Assert.False(PolicyTokens.IsOf(token, "nightly2", out _));
        Assert.False(PolicyTokens.TryParse("my-own-token", out _, out _));
        Assert.False(PolicyTokens.TryParse("policy:x:not-a-time", out _, out _));
        Assert.False(PolicyTokens.TryParse(null, out _, out _));
        Assert.True(PolicyTokens.For(new string('p', PolicyTokens.MaxPolicyNameLength), DateTime.UtcNow).Length <= 128);
    }
}
