using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;

namespace StorageSnapshot.Commands.Policies;

/// <summary>
/// Get-SnapshotRetentionPlan: the preview of retention — every snapshot and copy a policy made, Keep or Remove, and
/// the rule that decided. Changes nothing.
/// </summary>
[Cmdlet(VerbsCommon.Get, "SnapshotRetentionPlan", HelpUri = HelpLinks.Base + "Get-SnapshotRetentionPlan.md")]
[OutputType(typeof(RetentionPlanItem))]
public sealed class GetSnapshotRetentionPlanCommand : StorageSnapshotCmdlet
{
    /// <summary>The policies (all when omitted); wildcards allowed. Binds piped strings and the Name of piped policies.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(PolicyNameCompleter))]
    public string[]? Policy { get; set; }

    /// <summary>The moment to plan for (default now).</summary>
    [Parameter]
    public DateTime? At { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (!TryRun((engine, context) => engine.GetPoliciesAsync(Policy, context), Policy, out var policies)) return;
        foreach (var policy in policies)
        {
            if (TryRun((engine, context) => engine.GetRetentionPlanAsync(policy.Name, At, context), policy, out var plan))
            {
                foreach (var item in plan) WriteObject(item);
            }
        }
    }
}
