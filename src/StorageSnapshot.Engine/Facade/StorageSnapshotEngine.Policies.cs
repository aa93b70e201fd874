using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Naming;
using StorageSnapshot.Engine.Operations;
using StorageSnapshot.Engine.Policies;

namespace StorageSnapshot.Engine.Facade;

// Snapshot policies: New-/Get-/Set-/Remove-SnapshotPolicy, Get-SnapshotRetentionPlan, Invoke-SnapshotPolicy
// (the run itself is in Policies/PolicyRunner.cs), and the expired snapshots behind Remove-StorageSnapshot -Expired.
public sealed partial class StorageSnapshotEngine
{
    /// <summary>New-SnapshotPolicy. Returns the stored policy, or null when ShouldProcess said no.</summary>
    public async Task<SnapshotPolicy?> NewPolicyAsync(PolicyRequest request, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var now = DateTime.UtcNow;
        var policy = PolicyRules.Build(request, null, now, Ids.New(now));
        if (policy.Destination is not null) await RequireSecondaryStorageAsync(policy.Destination, context.CancellationToken).ConfigureAwait(false);
        if (await Inventory.GetPolicyAsync(policy.Name, context.CancellationToken).ConfigureAwait(false) is not null)
            throw EngineErrors.AlreadyExists($"A snapshot policy named '{policy.Name}' already exists.", policy.Name);
        if (!context.ShouldProcess($"snapshot policy '{policy.Name}'", "Create snapshot policy")) return null;
        return await runner.ApplyAsync(new NewPolicyChange(policy), context).ConfigureAwait(false);
    }

    /// <summary>Get-SnapshotPolicy: policies by name pattern (all when none); a plain name that matches nothing is PolicyNotFound.</summary>
    public async Task<IReadOnlyList<SnapshotPolicy>> GetPoliciesAsync(IReadOnlyList<string>? names, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var all = await Inventory.ListPoliciesAsync(context.CancellationToken).ConfigureAwait(false);
        return MatchByName(all, names, p => p.Name, PolicyRules.NotFound, context);
    }

    /// <summary>Set-SnapshotPolicy: members given replace the stored ones. Returns the policy, or null when ShouldProcess said no.</summary>
    public async Task<SnapshotPolicy?> SetPolicyAsync(PolicyRequest request, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var current = await RequirePolicyAsync(request.Name, context.CancellationToken).ConfigureAwait(false);
        var policy = PolicyRules.Build(request, current, DateTime.UtcNow, current.Id);
        if (policy.Destination is not null && !string.Equals(policy.Destination, current.Destination, StringComparison.OrdinalIgnoreCase))
            await RequireSecondaryStorageAsync(policy.Destination, context.CancellationToken).ConfigureAwait(false);
        if (!context.ShouldProcess($"snapshot policy '{policy.Name}'", "Change snapshot policy")) return null;
        return await runner.ApplyAsync(new SetPolicyChange(policy), context).ConfigureAwait(false);
    }

    /// <summary>Remove-SnapshotPolicy: forgets the policy; what it made stays. False when ShouldProcess said no.</summary>
    public async Task<bool> RemovePolicyAsync(string name, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var policy = await RequirePolicyAsync(name, context.CancellationToken).ConfigureAwait(false);
        if (!context.ShouldProcess($"snapshot policy '{policy.Name}'", "Remove snapshot policy (its snapshots and copies are kept)")) return false;
        return await runner.ApplyAsync(new RemovePolicyChange(policy), context).ConfigureAwait(false);
    }

    /// <summary>Get-SnapshotRetentionPlan: for every snapshot and copy the policy made, Keep or Remove and why. Changes nothing.</summary>
    public async Task<IReadOnlyList<RetentionPlanItem>> GetRetentionPlanAsync(string policyName, DateTime? atUtc, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var policy = await RequirePolicyAsync(policyName, context.CancellationToken).ConfigureAwait(false);
        var facts = await ReadRetentionFactsAsync(policy, context.CancellationToken).ConfigureAwait(false);
        return PolicyRetention.Plan(policy, facts, PolicyTime(atUtc));
    }

    /// <summary>The retention plans of several policies from one read of the inventory (Get-SnapshotRetentionPlan for many).</summary>
    public async Task<IReadOnlyList<RetentionPlanItem>> GetRetentionPlansAsync(IReadOnlyList<SnapshotPolicy> policies, DateTime? atUtc, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(context);
        if (policies.Count == 0) return Array.Empty<RetentionPlanItem>();
        var facts = await ReadRetentionFactsAsync(null, context.CancellationToken).ConfigureAwait(false);
        return PolicyRetention.PlanAll(policies, facts, PolicyTime(atUtc));
    }

    /// <summary>Invoke-SnapshotPolicy: the slot due at <paramref name="atUtc"/> (default now), copies, retention.</summary>
    public async Task<SnapshotPolicyRun> InvokePolicyAsync(string policyName, DateTime? atUtc, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var policy = await RequirePolicyAsync(policyName, context.CancellationToken).ConfigureAwait(false);
        return await new PolicyRunner(this, policy, PolicyTime(atUtc), context).RunAsync().ConfigureAwait(false);
    }

    /// <summary>Snapshots whose expiry is at or before <paramref name="atUtc"/> (default now), oldest first.</summary>
    public async Task<IReadOnlyList<Snapshot>> GetExpiredSnapshotsAsync(DateTime? atUtc, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var query = new SnapshotQuery { ExpiresAtOrBeforeUtc = PolicyTime(atUtc) };
        return await Inventory.ListSnapshotsAsync(query, context.CancellationToken).ConfigureAwait(false);
    }

    /// <summary>An inventory-only change of the policy runner, through the one path.</summary>
    internal Task<TResult> ApplyPolicyChangeAsync<TResult>(InventoryChange<TResult> change, OperationContext context) =>
        runner.ApplyAsync(change, context);

    internal async Task<SnapshotPolicy> RequirePolicyAsync(string name, CancellationToken cancellationToken) =>
        await Inventory.GetPolicyAsync(name, cancellationToken).ConfigureAwait(false) ?? throw PolicyRules.NotFound(name);

    /// <summary>
    /// What retention decides from: all snapshots and copies (the plan keeps only the policy's), the policy's copy
    /// records, and what depends on each snapshot — clones that need it (when their driver keeps clones dependent)
    /// and copies of it still being made.
    /// </summary>
    internal async Task<PolicyRetention.Facts> ReadRetentionFactsAsync(SnapshotPolicy? policy, CancellationToken cancellationToken)
    {
        var snapshots = await Inventory.ListSnapshotsAsync(new SnapshotQuery(), cancellationToken).ConfigureAwait(false);
        var copies = await Inventory.ListCopiesAsync(new CopyQuery(), cancellationToken).ConfigureAwait(false);
        var policyCopies = new List<PolicyCopy>();
        foreach (var name in policy is not null ? new[] { policy.Name }
                     : (await Inventory.ListPoliciesAsync(cancellationToken).ConfigureAwait(false)).Select(p => p.Name))
            policyCopies.AddRange(await Inventory.ListPolicyCopiesAsync(name, cancellationToken).ConfigureAwait(false));
        var volumes = await Inventory.ListVolumesAsync(null, cancellationToken).ConfigureAwait(false);
        var backends = (await Inventory.ListBackendsAsync(cancellationToken).ConfigureAwait(false))
            .ToDictionary(b => b.Name, StringComparer.OrdinalIgnoreCase);

        var dependents = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string snapshotId, string what)
        {
            if (!dependents.TryGetValue(snapshotId, out var list)) dependents[snapshotId] = list = new List<string>();
            list.Add(what);
        }
        foreach (var clone in volumes.Where(v => v.CreatedFromSnapshotId is not null))
        {
            // A backend whose driver is not loaded is taken to keep clones dependent: when in doubt, keep.
            var clonesDepend = !backends.TryGetValue(clone.Backend, out var backend)
                               || !Options.Drivers.All.Any(d => string.Equals(d.Descriptor.Name, backend.Driver, StringComparison.OrdinalIgnoreCase))
                               || DriverOf(backend).Descriptor.Capabilities.HasFlag(DriverCapabilities.ClonesDependOnSnapshot);
            if (clonesDepend) Add(clone.CreatedFromSnapshotId!, $"clone '{clone.Name}'");
        }
        foreach (var copy in copies.Where(c => c.State == CopyState.Copying))
            Add(copy.SnapshotId, $"copy {copy.Id} being made on '{copy.Destination}'");

        return new PolicyRetention.Facts(snapshots, copies, policyCopies,
            dependents.ToDictionary(p => p.Key, p => string.Join(", ", p.Value), StringComparer.Ordinal));
    }

    private static DateTime PolicyTime(DateTime? at) => at switch
    {
        null => DateTime.UtcNow,
        { Kind: DateTimeKind.Utc } utc => utc,
        { } other => other.ToUniversalTime(), // Unspecified is local, as PowerShell's [datetime] gives it
    };
}
