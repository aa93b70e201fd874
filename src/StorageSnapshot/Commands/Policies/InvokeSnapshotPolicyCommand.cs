using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;

namespace StorageSnapshot.Commands.Policies;

/// <summary>
/// Invoke-SnapshotPolicy: takes the slot due now (or at -At) on every volume a policy covers, copies, applies
/// retention. Safe to re-run and to start from two schedulers at once. Each failure is an error record and the
/// rest goes on, so a runbook's $? and exit status show it.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "SnapshotPolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    HelpUri = HelpLinks.Base + "Invoke-SnapshotPolicy.md")]
[OutputType(typeof(SnapshotPolicyRun))]
public sealed class InvokeSnapshotPolicyCommand : StorageSnapshotCmdlet
{
    /// <summary>The policies to run (all when omitted). Binds piped strings and the Name of piped policies.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(PolicyNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>The moment to act for (default now): the slot due then is taken and retention measured from it.</summary>
    [Parameter]
    public DateTime? At { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (!TryRun((engine, context) => engine.GetPoliciesAsync(Name, context), Name, out var policies)) return;
        foreach (var policy in policies)
        {
            if (TryRun((engine, context) => engine.InvokePolicyAsync(policy.Name, At, context), policy, out var run))
                WriteObject(run);
        }
    }
}
