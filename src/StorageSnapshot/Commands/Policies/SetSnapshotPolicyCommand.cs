using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Policies;
using StorageSnapshot.Commands.Completion;
using StorageSnapshot.Commands.Parameters;

namespace StorageSnapshot.Commands;

/// <summary>Set-SnapshotPolicy: changes the parameters given; the rest of the policy stays.</summary>
[Cmdlet(VerbsCommon.Set, "SnapshotPolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = ParameterSets.ByName, HelpUri = HelpLinks.Base + "Set-SnapshotPolicy.md")]
[OutputType(typeof(SnapshotPolicy))]
public sealed class SetSnapshotPolicyCommand : SnapshotPolicyDefinitionCmdlet
{
    /// <summary>The policy's name. Binds piped strings.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ParameterSets.ByName)]
    [ValidateNotNullOrEmpty]
    [NameOnly("snapshot policy names", typeof(SnapshotPolicy))]
    [ArgumentCompleter(typeof(PolicyNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>A policy from Get-SnapshotPolicy (piped).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ParameterSets.ByInputObject)]
    [ValidateNotNull]
    public SnapshotPolicy? InputObject { get; set; }

    /// <summary>Stop copying: clears -Destination and -CopyRetention (copies already made stay).</summary>
    [Parameter]
    public SwitchParameter NoDestination { get; set; }

    /// <summary>Writes the changed policy.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var name = InputObject?.Name ?? Name;
        if (!TryRequest(name, out var request)) return;
        request = request with { ClearDestination = NoDestination.IsPresent };
        if (TryRun((engine, context) => engine.SetPolicyAsync(request, context), (object?)InputObject ?? name, out var policy) && policy is not null && PassThru)
            WriteObject(policy);
    }
}
