namespace StorageSnapshot.Engine.Policies.Retention;

/// <summary>
/// One item retention decides about: a snapshot or a copy a policy made. Items of one <see cref="Series"/> (a
/// volume's snapshots, or its copies on one destination) are counted together; series never affect each other.
/// </summary>
/// <param name="Id">The item's id.</param>
/// <param name="Series">What it is counted with.</param>
/// <param name="TimeUtc">The moment it stands for (a policy snapshot's schedule slot), UTC.</param>
internal sealed record RetentionCandidate(string Id, string Series, DateTime TimeUtc)
{
    /// <summary>Settled (a Ready snapshot, a Copied copy): only settled items are counted or removed.</summary>
    public bool Settled { get; init; } = true;

    /// <summary>What depends on it, in words, when something does; such an item is never removed.</summary>
    public string? Dependents { get; init; }
}

/// <summary>The fate of one item.</summary>
/// <param name="Item">The item.</param>
/// <param name="Action">Keep or Remove.</param>
/// <param name="Rule">What decided it (the first count rule that keeps it, in the order Last, Hourly, ... Yearly).</param>
/// <param name="Period">The period the deciding count rule kept it for ("2026-03-29" for Daily, "2026-W13" for Weekly), when one did.</param>
internal sealed record RetentionDecision(RetentionCandidate Item, RetentionAction Action, RetentionRule Rule, string? Period)
{
    /// <summary>Every count rule that keeps it (a weekly snapshot is usually also a daily one).</summary>
    public IReadOnlyList<RetentionRule> KeptBy { get; init; } = Array.Empty<RetentionRule>();
}
