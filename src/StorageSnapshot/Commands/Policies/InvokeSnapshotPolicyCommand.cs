using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Policies;
using StorageSnapshot.Commands.Completion;
using StorageSnapshot.Commands.Parameters;

namespace StorageSnapshot.Commands;

/// <summary>
/// Invoke-SnapshotPolicy: takes the slot due now (or at -At) on every volume a policy covers, copies, applies
/// retention. Safe to re-run and to start from two schedulers at once. Each failure is an error record and the
/// rest goes on, so a runbook's $? and exit status show it.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "SnapshotPolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = ParameterSets.ByName, HelpUri = HelpLinks.Base + "Invoke-SnapshotPolicy.md")]
[OutputType(typeof(SnapshotPolicyRun))]
public sealed class InvokeSnapshotPolicyCommand : StorageSnapshotCmdlet
{
    /// <summary>Policy names (all when omitted); wildcards allowed. Binds piped strings.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ParameterSetName = ParameterSets.ByName)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [NameOnly("snapshot policy names", typeof(SnapshotPolicy))]
    [ArgumentCompleter(typeof(PolicyNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>A policy from Get-SnapshotPolicy (piped).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ParameterSets.ByInputObject)]
    [ValidateNotNull]
    public SnapshotPolicy? InputObject { get; set; }

    /// <summary>The moment to act for (default now): the slot due then is taken and retention measured from it.</summary>
    [Parameter]
    public DateTime? At { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        IReadOnlyList<SnapshotPolicy> policies;
        if (InputObject is not null) policies = new[] { InputObject };
        else if (!TryRun((engine, context) => engine.GetPoliciesAsync(Name, context), Name, out policies)) return;
        foreach (var policy in policies)
        {
            if (TryRun((engine, context) => engine.InvokePolicyAsync(policy.Name, At, context), policy, out var run))
                WriteObject(run);
        }
    }
}
