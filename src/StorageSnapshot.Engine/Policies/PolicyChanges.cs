using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Operations;
using StorageSnapshot.Engine.Operations.Journal;

namespace StorageSnapshot.Engine.Policies;

/// <summary>New-SnapshotPolicy: the policy recorded unless its name was taken meanwhile.</summary>
internal sealed class NewPolicyChange(SnapshotPolicy policy) : InventoryChange<SnapshotPolicy>
{
    public override object TargetObject => policy.Name;

    public override async Task<ChangeOutcome<SnapshotPolicy>> ApplyAsync(IInventoryTransaction transaction, CancellationToken cancellationToken)
    {
        await transaction.InsertPolicyAsync(policy, cancellationToken).ConfigureAwait(false);
        var stored = await transaction.GetPolicyAsync(policy.Name, cancellationToken).ConfigureAwait(false) ?? policy;
        return new(stored, EventKind.PolicyCreated, EventSubject.OfPolicy(stored.Name),
            $"Created snapshot policy '{stored.Name}' (schedules {string.Join("; ", stored.Schedules)} in {stored.TimeZone}; keeps {stored.Retention}).");
    }
}

/// <summary>Set-SnapshotPolicy: the definition replaced, re-read in the transaction so a concurrent removal is refused.</summary>
internal sealed class SetPolicyChange(SnapshotPolicy policy) : InventoryChange<SnapshotPolicy>
{
    public override object TargetObject => policy.Name;

    public override async Task<ChangeOutcome<SnapshotPolicy>> ApplyAsync(IInventoryTransaction transaction, CancellationToken cancellationToken)
    {
        _ = await transaction.GetPolicyAsync(policy.Name, cancellationToken).ConfigureAwait(false) ?? throw PolicyRules.NotFound(policy.Name);
        await transaction.UpdatePolicyAsync(policy, cancellationToken).ConfigureAwait(false);
        var stored = await transaction.GetPolicyAsync(policy.Name, cancellationToken).ConfigureAwait(false) ?? policy;
        return new(stored, EventKind.PolicyUpdated, EventSubject.OfPolicy(stored.Name),
            $"Changed snapshot policy '{stored.Name}' (schedules {string.Join("; ", stored.Schedules)} in {stored.TimeZone}; keeps {stored.Retention}).");
    }
}

/// <summary>Remove-SnapshotPolicy: the policy forgotten; the snapshots and copies it made stay, with its name in their tokens.</summary>
internal sealed class RemovePolicyChange(SnapshotPolicy policy) : InventoryChange<bool>
{
    public override object TargetObject => policy.Name;

    public override async Task<ChangeOutcome<bool>> ApplyAsync(IInventoryTransaction transaction, CancellationToken cancellationToken)
    {
        await transaction.DeletePolicyAsync(policy.Id, cancellationToken).ConfigureAwait(false);
        return new(true, EventKind.PolicyRemoved, EventSubject.OfPolicy(policy.Name),
            $"Removed snapshot policy '{policy.Name}'; the snapshots and copies it made were kept.");
    }
}

/// <summary>
/// After a policy's copy: records that the policy made it, for copy retention. A re-run records it again harmlessly;
/// a crash before this leaves an unowned copy that the next run of the slot — or the next retention, while its
/// snapshot exists — records.
/// </summary>
internal sealed class RecordPolicyCopyChange(SnapshotCopy copy, string policy, DateTime slotUtc) : InventoryChange<PolicyCopy>
{
    public override object TargetObject => copy;

    public override async Task<ChangeOutcome<PolicyCopy>> ApplyAsync(IInventoryTransaction transaction, CancellationToken cancellationToken)
    {
        var record = new PolicyCopy(copy.Id, policy, slotUtc);
        await transaction.RecordPolicyCopyAsync(record, cancellationToken).ConfigureAwait(false);
        return new(record, EventKind.PolicyCopyRecorded, EventSubject.Of(copy),
            $"Copy {copy.Id} of snapshot '{copy.Snapshot}' of volume '{copy.Volume}' on '{copy.Destination}' is kept by the copy retention of policy '{policy}'.");
    }
}

/// <summary>Forgets policy-copy rows whose copies are gone (removed by hand or by retention).</summary>
internal sealed class ForgetPolicyCopiesChange(string policy, IReadOnlyCollection<string> copyIds) : InventoryChange<int>
{
    public override object TargetObject => policy;

    public override async Task<ChangeOutcome<int>> ApplyAsync(IInventoryTransaction transaction, CancellationToken cancellationToken)
    {
        await transaction.DeletePolicyCopiesAsync(copyIds, cancellationToken).ConfigureAwait(false);
        return new(copyIds.Count, EventKind.PolicyUpdated, EventSubject.OfPolicy(policy),
            $"Snapshot policy '{policy}' forgot {copyIds.Count} copy record(s) whose copies are gone.");
    }
}
