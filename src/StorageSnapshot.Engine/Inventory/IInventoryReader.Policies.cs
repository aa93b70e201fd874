namespace StorageSnapshot.Engine.Inventory;

// Snapshot policies.
internal partial interface IInventoryReader
{
    /// <summary>The policy of that name, or null.</summary>
    Task<SnapshotPolicy?> GetPolicyAsync(string name, CancellationToken cancellationToken);

    /// <summary>All policies, by name.</summary>
    Task<IReadOnlyList<SnapshotPolicy>> ListPoliciesAsync(CancellationToken cancellationToken);

    /// <summary>The copies recorded as made by the policy, with the slot each stands for (rows of removed copies included).</summary>
    Task<IReadOnlyList<PolicyCopy>> ListPolicyCopiesAsync(string policy, CancellationToken cancellationToken);
}

internal partial interface IInventoryTransaction
{
    /// <summary>Adds a policy (AlreadyExists when the name is taken).</summary>
    Task InsertPolicyAsync(SnapshotPolicy policy, CancellationToken cancellationToken);

    /// <summary>Replaces a policy's definition (matched by id).</summary>
    Task UpdatePolicyAsync(SnapshotPolicy policy, CancellationToken cancellationToken);

    /// <summary>Forgets a policy (what it made stays).</summary>
    Task DeletePolicyAsync(string id, CancellationToken cancellationToken);

    /// <summary>Records that the policy made the copy for the slot; recording it again changes nothing.</summary>
    Task RecordPolicyCopyAsync(PolicyCopy copy, CancellationToken cancellationToken);

    /// <summary>Forgets policy-copy rows (of copies that are gone).</summary>
    Task DeletePolicyCopiesAsync(IReadOnlyCollection<string> copyIds, CancellationToken cancellationToken);
}

/// <summary>A copy a policy made, and the schedule slot (UTC) it stands for.</summary>
internal sealed record PolicyCopy(string CopyId, string Policy, DateTime SlotUtc);
