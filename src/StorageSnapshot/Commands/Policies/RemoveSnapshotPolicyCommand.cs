using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Policies;
using StorageSnapshot.Commands.Completion;
using StorageSnapshot.Commands.Parameters;

namespace StorageSnapshot.Commands;

/// <summary>Remove-SnapshotPolicy: forgets a policy. The snapshots and copies it made stay (remove them yourself if you want).</summary>
[Cmdlet(VerbsCommon.Remove, "SnapshotPolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High,
    DefaultParameterSetName = ParameterSets.ByName, HelpUri = HelpLinks.Base + "Remove-SnapshotPolicy.md")]
[OutputType(typeof(void))]
public sealed class RemoveSnapshotPolicyCommand : StorageSnapshotCmdlet
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

    /// <summary>Skips the confirmation prompt (-WhatIf still changes nothing).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var name = InputObject?.Name ?? Name;
        TryRun((engine, context) => engine.RemovePolicyAsync(name, context), (object?)InputObject ?? name, out _,
            (target, action) => ShouldProcessUnlessForced(target, action, Force));
    }
}
