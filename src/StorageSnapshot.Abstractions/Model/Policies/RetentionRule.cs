namespace StorageSnapshot;

/// <summary>What decided an item's fate in a retention plan.</summary>
public enum RetentionRule
{
    /// <summary>Kept: among the newest N.</summary>
    Last,
    /// <summary>Kept: the newest of one of the N most recent hours.</summary>
    Hourly,
    /// <summary>Kept: the newest of one of the N most recent days.</summary>
    Daily,
    /// <summary>Kept: the newest of one of the N most recent weeks.</summary>
    Weekly,
    /// <summary>Kept: the newest of one of the N most recent months.</summary>
    Monthly,
    /// <summary>Kept: the newest of one of the N most recent years.</summary>
    Yearly,
    /// <summary>Kept: younger than the maximum age, and no count rule is set. Removed: older than the maximum age.</summary>
    MaxAge,
    /// <summary>Removed: no rule keeps it.</summary>
    NoRuleKeepsIt,
    /// <summary>Kept: the rules would remove it, but something depends on it (a clone, a copy being made).</summary>
    HasDependents,
    /// <summary>Kept: not in a settled state (being made, being removed, failed); retention leaves it alone.</summary>
    NotSettled,
    /// <summary>Kept: made after the plan's time (a plan for a past moment).</summary>
    NewerThanPlan,
    /// <summary>Kept: the policy has no retention rules.</summary>
    NoRetention,
}

/// <summary>Keep or remove.</summary>
public enum RetentionAction
{
    /// <summary>Stays.</summary>
    Keep,
    /// <summary>Retention removes it.</summary>
    Remove,
}
