using System.Collections;
using System.Management.Automation;
using StorageSnapshot.Commands.Parameters;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands.Policies;

/// <summary>
/// The definition parameters New- and Set-SnapshotPolicy share, turned into the engine's request. Only parameters
/// the caller bound change anything (Set keeps the rest), so presence is read from the bound parameters.
/// </summary>
internal static class PolicyParameters
{
    /// <summary>Cron expressions from -Schedule and the friendly switches; null when none was given.</summary>
    public static IReadOnlyList<string>? Schedules(string[]? cron, bool hourly, bool daily, bool weekly, DayOfWeek[]? days, bool monthly, int[]? dayOfMonth, TimeSpan at)
    {
        var schedules = new List<string>(cron ?? Array.Empty<string>());
        if (hourly)
        {
            if (at >= TimeSpan.FromHours(1) || at.Seconds != 0)
                throw new ValidationException(ErrorIds.InvalidArgument, $"With -Hourly, -At is the minutes past the hour, 00:00 to 00:59; got {at}.", at);
            schedules.Add(ScheduleForms.Hourly(at.Minutes));
        }
        if (daily) schedules.Add(ScheduleForms.Daily(at));
        if (weekly) schedules.Add(ScheduleForms.Weekly(days is { Length: > 0 } ? days : new[] { DayOfWeek.Sunday }, at));
        if (monthly)
        {
            foreach (var day in dayOfMonth is { Length: > 0 } ? dayOfMonth : new[] { 1 }) schedules.Add(ScheduleForms.Monthly(day, at));
        }
        return schedules.Count == 0 ? null : schedules;
    }

    public static PolicyRequest Request(string name, IDictionary<string, object> bound, SnapshotPolicyDefinition p) => new(name)
    {
        Description = p.Description,
        Volumes = p.Volume,
        Backends = p.Backend,
        Schedules = Schedules(p.Schedule, p.Hourly, p.Daily, p.Weekly, p.DayOfWeek, p.Monthly, p.Day, p.At),
        TimeZone = p.TimeZone,
        Retention = RetentionTables.ToRules(p.Retention, "Retention"),
        Destination = p.Destination,
        CopyRetention = RetentionTables.ToRules(p.CopyRetention, "CopyRetention"),
        SnapshotDescription = p.SnapshotDescription,
        SnapshotTags = p.SnapshotTag is null ? null : Hashtables.ToStrings(p.SnapshotTag),
        StartWindow = bound.ContainsKey("StartWindow") ? p.StartWindow : null,
        CatchUp = bound.ContainsKey("CatchUp") ? p.CatchUp.IsPresent : null,
    };
}

/// <summary>The definition parameters as one bag (the cmdlets' properties, passed through).</summary>
internal sealed record SnapshotPolicyDefinition(
    string? Description, string[]? Volume, string[]? Backend, string[]? Schedule, bool Hourly, bool Daily, bool Weekly, DayOfWeek[]? DayOfWeek,
    bool Monthly, int[]? Day, TimeSpan At, string? TimeZone, IDictionary? Retention, string? Destination, IDictionary? CopyRetention,
    string? SnapshotDescription, IDictionary? SnapshotTag, TimeSpan StartWindow, SwitchParameter CatchUp);
