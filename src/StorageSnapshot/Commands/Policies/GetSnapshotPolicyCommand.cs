using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Policies;
using StorageSnapshot.Commands.Completion;

namespace StorageSnapshot.Commands;

/// <summary>Get-SnapshotPolicy: the policies, by name pattern.</summary>
[Cmdlet(VerbsCommon.Get, "SnapshotPolicy", HelpUri = HelpLinks.Base + "Get-SnapshotPolicy.md")]
[OutputType(typeof(SnapshotPolicy))]
public sealed class GetSnapshotPolicyCommand : StorageSnapshotCmdlet
{
    /// <summary>Policy names; wildcards allowed. All when omitted.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PolicyNameCompleter))]
    public string[]? Name { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (TryRun((engine, context) => engine.GetPoliciesAsync(Name, context), Name, out var policies))
        {
            foreach (var policy in policies) WriteObject(policy);
        }
    }
}
