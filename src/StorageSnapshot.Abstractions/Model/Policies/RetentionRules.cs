using System.Globalization;

namespace StorageSnapshot;

/// <summary>
/// How long a policy keeps what it made: grandfather-father-son counts and a maximum age. A count of 0 means the
/// rule is not used. An item is kept when any count rule keeps it; <see cref="MaxAge"/> is a cap: nothing older is
/// kept by a count rule, and when no count rule is set it keeps everything younger.
/// </summary>
public sealed record RetentionRules
{
    /// <summary>Keep the newest N items.</summary>
    public int Last { get; init; }

    /// <summary>Keep the newest item of each of the N most recent hours that have one.</summary>
    public int Hourly { get; init; }

    /// <summary>Keep the newest item of each of the N most recent days (in the policy's time zone).</summary>
    public int Daily { get; init; }

    /// <summary>Keep the newest item of each of the N most recent ISO weeks (Monday to Sunday).</summary>
    public int Weekly { get; init; }

    /// <summary>Keep the newest item of each of the N most recent calendar months.</summary>
    public int Monthly { get; init; }

    /// <summary>Keep the newest item of each of the N most recent calendar years.</summary>
    public int Yearly { get; init; }

    /// <summary>Remove what is older than this (measured from the item's time to the plan's time).</summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>No rule at all: retention keeps everything.</summary>
    public bool IsEmpty => !HasCountRule && MaxAge is null;

    /// <summary>At least one count rule is set.</summary>
    public bool HasCountRule => Last > 0 || Hourly > 0 || Daily > 0 || Weekly > 0 || Monthly > 0 || Yearly > 0;

    /// <summary>The counts the rules use, with their names, in the order decisions name them.</summary>
    public IEnumerable<(RetentionRule Rule, int Count)> Counts()
    {
        yield return (RetentionRule.Last, Last);
        yield return (RetentionRule.Hourly, Hourly);
        yield return (RetentionRule.Daily, Daily);
        yield return (RetentionRule.Weekly, Weekly);
        yield return (RetentionRule.Monthly, Monthly);
        yield return (RetentionRule.Yearly, Yearly);
    }

    /// <summary>One sentence per problem (negative counts, a non-positive age).</summary>
    public IReadOnlyList<string> Problems(string what)
    {
        var problems = new List<string>();
        foreach (var (rule, count) in Counts())
        {
            if (count < 0)
                problems.Add($"The {what} count '{rule}' is {count.ToString(CultureInfo.InvariantCulture)}; counts must be 0 (not used) or more.");
        }
        if (MaxAge is { } age && age <= TimeSpan.Zero)
            problems.Add($"The {what} maximum age must be positive; got {age}.");
        return problems;
    }

    /// <summary>"Last 3, Daily 7, MaxAge 90.00:00:00", or "none".</summary>
    public override string ToString()
    {
        var parts = Counts().Where(c => c.Count > 0).Select(c => $"{c.Rule} {c.Count.ToString(CultureInfo.InvariantCulture)}").ToList();
        if (MaxAge is { } age) parts.Add($"MaxAge {age.ToString("c", CultureInfo.InvariantCulture)}");
        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }
}
