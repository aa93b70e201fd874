using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Naming;
using StorageSnapshot.Engine.Policies.Schedules;

namespace StorageSnapshot.Engine.Policies;

/// <summary>What makes a policy valid; every problem is one sentence, all reported at once.</summary>
internal static class PolicyRules
{
    /// <summary>The policy made from a request: a new one, or <paramref name="current"/> changed.</summary>
    public static SnapshotPolicy Build(PolicyRequest request, SnapshotPolicy? current, DateTime nowUtc, string id)
    {
        var policy = current ?? new SnapshotPolicy
        {
            Id = id,
            Name = request.Name,
            TimeZone = TimeZoneInfo.Local.Id,
            CreatedUtc = nowUtc,
        };
        policy = policy with
        {
            Description = request.Description ?? policy.Description,
            Volumes = request.Volumes?.ToList() ?? policy.Volumes,
            Backends = request.Backends?.ToList() ?? policy.Backends,
            Schedules = request.Schedules?.Select(s => s.Trim()).ToList() ?? policy.Schedules,
            TimeZone = request.TimeZone ?? policy.TimeZone,
            Retention = request.Retention ?? policy.Retention,
            Destination = request.ClearDestination ? null : request.Destination ?? policy.Destination,
            CopyRetention = request.ClearDestination ? new RetentionRules() : request.CopyRetention ?? policy.CopyRetention,
            SnapshotDescription = request.SnapshotDescription ?? policy.SnapshotDescription,
            SnapshotTags = request.SnapshotTags is null ? policy.SnapshotTags : new Dictionary<string, string>(request.SnapshotTags, StringComparer.OrdinalIgnoreCase),
            StartWindow = request.StartWindow ?? policy.StartWindow,
            CatchUp = request.CatchUp ?? policy.CatchUp,
            UpdatedUtc = nowUtc,
        };
        Require(policy);
        return policy;
    }

    /// <summary>Throws InvalidName or InvalidArgument with every problem of <paramref name="policy"/>.</summary>
    public static void Require(SnapshotPolicy policy)
    {
        NameRules.Require("policy", policy.Name);
        var problems = new List<string>();
        if (policy.Name.Length > PolicyTokens.MaxPolicyNameLength)
            problems.Add($"The policy name '{policy.Name[..32]}…' has {policy.Name.Length} characters; at most {PolicyTokens.MaxPolicyNameLength} are allowed (it is part of each snapshot's client token).");
        InputRules.Text("description", policy.Description, problems);
        InputRules.Text("snapshot description", policy.SnapshotDescription, problems);
        InputRules.Tags(policy.SnapshotTags, problems);
        if (policy.Schedules.Count == 0) problems.Add("The policy has no schedule; give a cron expression or a friendly form (hourly, daily, weekly, monthly).");
        foreach (var cron in policy.Schedules)
        {
            if (!PolicySchedule.TryParse(cron, out _, out var problem)) problems.Add(problem!);
        }
        if (!TryFindZone(policy.TimeZone, out _))
            problems.Add($"The time zone '{policy.TimeZone}' is not known on this machine; use an IANA id such as 'Europe/Berlin' or 'UTC'.");
        problems.AddRange(policy.Retention.Problems("snapshot retention"));
        problems.AddRange(policy.CopyRetention.Problems("copy retention"));
        if (policy.Destination is null && !policy.CopyRetention.IsEmpty)
            problems.Add("The policy has a copy retention but no destination to copy to.");
        if (policy.StartWindow <= TimeSpan.Zero)
            problems.Add($"The start window must be positive; got {policy.StartWindow}.");
        foreach (var volume in policy.Volumes)
        {
            if (string.IsNullOrWhiteSpace(volume)) problems.Add("A volume name of the policy is empty.");
        }
        foreach (var backend in policy.Backends)
        {
            if (NameRules.Check("backend", backend) is { } problem) problems.Add(problem);
        }
        InputRules.ThrowIfAny(problems, policy.Name);
    }

    /// <summary>The zone of that id (IANA or Windows, whichever this machine knows).</summary>
    public static bool TryFindZone(string id, out TimeZoneInfo zone)
    {
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            zone = TimeZoneInfo.Utc;
            return false;
        }
    }

    /// <summary>The policy's zone (its definition was checked when it was stored).</summary>
    public static TimeZoneInfo ZoneOf(SnapshotPolicy policy) =>
        TryFindZone(policy.TimeZone, out var zone)
            ? zone
            : throw new ValidationException(ErrorIds.InvalidArgument,
                $"Snapshot policy '{policy.Name}' uses the time zone '{policy.TimeZone}', which this machine does not know.", policy);

    public static IReadOnlyList<PolicySchedule> SchedulesOf(SnapshotPolicy policy) =>
        policy.Schedules.Select(PolicySchedule.Parse).ToList();

    public static ObjectNotFoundException NotFound(string name) =>
        new(ErrorIds.PolicyNotFound, $"No snapshot policy '{name}' is in the inventory.", name);
}
