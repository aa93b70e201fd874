using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Policies;

namespace StorageSnapshot.Commands;

/// <summary>New-SnapshotPolicy: a named policy — what it covers, when, how long it keeps, where it copies.</summary>
[Cmdlet(VerbsCommon.New, "SnapshotPolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low,
    HelpUri = HelpLinks.Base + "New-SnapshotPolicy.md")]
[OutputType(typeof(SnapshotPolicy))]
public sealed class NewSnapshotPolicyCommand : SnapshotPolicyDefinitionCmdlet
{
    /// <summary>The policy's name (letters, digits, '.', '_', '-'; at most 64 characters).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (!TryRequest(Name, out var request)) return;
        if (TryRun((engine, context) => engine.NewPolicyAsync(request, context), Name, out var policy) && policy is not null)
            WriteObject(policy);
    }
}
