using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Policies;
using StorageSnapshot.Commands.Completion;
using StorageSnapshot.Commands.Parameters;

namespace StorageSnapshot.Commands;

/// <summary>
/// Get-SnapshotRetentionPlan: the preview of retention — every snapshot and copy a policy made, Keep or Remove, and
/// the rule that decided. Changes nothing.
/// </summary>
[Cmdlet(VerbsCommon.Get, "SnapshotRetentionPlan", DefaultParameterSetName = ParameterSets.ByName, HelpUri = HelpLinks.Base + "Get-SnapshotRetentionPlan.md")]
[OutputType(typeof(RetentionPlanItem))]
public sealed class GetSnapshotRetentionPlanCommand : StorageSnapshotCmdlet
{
    /// <summary>Policy names (all when omitted); wildcards allowed. Binds piped strings.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ParameterSetName = ParameterSets.ByName)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [NameOnly("snapshot policy names", typeof(SnapshotPolicy))]
    [ArgumentCompleter(typeof(PolicyNameCompleter))]
    [Alias("Policy")]
    public string[]? Name { get; set; }

    /// <summary>A policy from Get-SnapshotPolicy (piped).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ParameterSets.ByInputObject)]
    [ValidateNotNull]
    public SnapshotPolicy? InputObject { get; set; }

    /// <summary>The moment to plan for (default now).</summary>
    [Parameter]
    public DateTime? At { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        IReadOnlyList<SnapshotPolicy> policies;
        if (InputObject is not null) policies = new[] { InputObject };
        else if (!TryRun((engine, context) => engine.GetPoliciesAsync(Name, context), Name, out policies)) return;
        if (TryRun((engine, context) => engine.GetRetentionPlansAsync(policies, At, context), (object?)InputObject ?? Name, out var plan))
        {
            foreach (var item in plan) WriteObject(item);
        }
    }
}
