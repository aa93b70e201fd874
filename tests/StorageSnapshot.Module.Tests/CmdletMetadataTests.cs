using StorageSnapshot.Module.Tests.Infrastructure;

namespace StorageSnapshot.Module.Tests;

/// <summary>The cmdlet classes follow PowerShell's design rules (read from the built assembly's metadata).</summary>
public sealed class CmdletMetadataTests
{
    // Get-Verb on PowerShell 7.4 (all groups).
    private static readonly HashSet<string> ApprovedVerbs = new(StringComparer.Ordinal)
    {
        "Add", "Clear", "Close", "Copy", "Enter", "Exit", "Find", "Format", "Get", "Hide", "Join", "Lock", "Move", "New", "Open",
        "Optimize", "Pop", "Push", "Redo", "Remove", "Rename", "Reset", "Resize", "Search", "Select", "Set", "Show", "Skip", "Split",
        "Step", "Switch", "Undo", "Unlock", "Watch",
        "Connect", "Disconnect", "Read", "Receive", "Send", "Write",
        "Backup", "Checkpoint", "Compare", "Compress", "Convert", "ConvertFrom", "ConvertTo", "Dismount", "Edit", "Expand", "Export",
        "Group", "Import", "Initialize", "Limit", "Merge", "Mount", "Out", "Publish", "Restore", "Save", "Sync", "Unpublish", "Update",
        "Debug", "Measure", "Ping", "Repair", "Resolve", "Test", "Trace",
        "Approve", "Assert", "Build", "Complete", "Confirm", "Deny", "Deploy", "Disable", "Enable", "Install", "Invoke", "Register",
        "Request", "Restart", "Resume", "Start", "Stop", "Submit", "Suspend", "Uninstall", "Unregister", "Wait",
        "Block", "Grant", "Protect", "Revoke", "Unblock", "Unprotect",
        "Use",
    };

    // Verbs that only read; every other verb changes state and must support -WhatIf/-Confirm.
    private static readonly HashSet<string> ReadOnlyVerbs = new(StringComparer.Ordinal) { "Get", "Find", "Search", "Test", "Measure", "Resolve", "Compare" };

    // Checks that change state only when asked to repair what they found (the cmdlet contract's -Repair), and then
    // must support -WhatIf/-Confirm like every other change.
    private static readonly HashSet<string> ReadersThatRepair = new(StringComparer.Ordinal) { "Test-StorageInventory" };

    [Fact]
    public void The_module_has_the_contract_cmdlets()
    {
        var expected = new[]
        {
            "Get-StorageBackend", "Get-StorageDriver", "Get-StorageSnapshot", "Get-StorageVolume", "New-StorageSnapshot", "New-StorageVolume",
            "Register-StorageBackend", "Remove-StorageSnapshot", "Remove-StorageVolume", "Restore-StorageSnapshot", "Set-StorageBackend",
            "Set-StorageSnapshot", "Unregister-StorageBackend",
        };
        Assert.Subset(BuiltModule.Cmdlets.Select(c => c.Name).ToHashSet(), expected.ToHashSet());
    }

    [Fact]
    public void Every_verb_is_approved()
    {
        var unapproved = BuiltModule.Cmdlets.Where(c => !ApprovedVerbs.Contains(c.Verb)).Select(c => c.Name);
        Assert.Empty(unapproved);
    }

    [Fact]
    public void Cmdlet_classes_are_sealed_VerbNounCommand_classes_in_StorageSnapshot_Commands()
    {
        var wrong = BuiltModule.Cmdlets
            .Where(c => !c.Type.IsSealed || c.Type.Name != $"{c.Verb}{c.Noun}Command" || c.Type.Namespace != "StorageSnapshot.Commands")
            .Select(c => c.Type.FullName);
        Assert.Empty(wrong);
    }

    [Fact]
    public void Every_cmdlet_that_changes_state_supports_ShouldProcess_and_no_reader_does()
    {
        var wrong = BuiltModule.Cmdlets.Where(c => c.SupportsShouldProcess == (ReadOnlyVerbs.Contains(c.Verb) && !ReadersThatRepair.Contains(c.Name)))
            .Select(c => $"{c.Name}: SupportsShouldProcess={c.SupportsShouldProcess}");
        Assert.Empty(wrong);
    }

    [Fact]
    public void Restore_and_Remove_confirm_by_default_and_have_Force()
    {
        var destructive = BuiltModule.Cmdlets.Where(c => c.Verb is "Restore" or "Remove").ToArray();
        Assert.NotEmpty(destructive);
        var wrong = destructive
            .Where(c => c.ConfirmImpact != "High" || c.Parameters.All(p => p.Name != "Force" || p.TypeName != "SwitchParameter"))
            .Select(c => $"{c.Name}: ConfirmImpact={c.ConfirmImpact}, Force={c.Parameters.Any(p => p.Name == "Force")}");
        Assert.Empty(wrong);
    }

    [Fact]
    public void No_parameter_set_has_two_ValueFromPipeline_parameters()
    {
        var wrong = from cmdlet in BuiltModule.Cmdlets
                    from set in cmdlet.ParameterSetNames
                    let byValue = cmdlet.InSet(set).Where(x => x.Set.ValueFromPipeline).Select(x => x.Parameter.Name).ToArray()
                    where byValue.Length > 1
                    select $"{cmdlet.Name} [{set}]: {string.Join(", ", byValue)}";
        Assert.Empty(wrong);
    }

    [Fact]
    public void Every_cmdlet_declares_its_output_type()
    {
        var wrong = BuiltModule.Cmdlets.Where(c => c.OutputTypes.Count == 0).Select(c => c.Name);
        Assert.Empty(wrong);
    }

    [Fact]
    public void Get_cmdlets_accept_wildcards_in_Name()
    {
        // Journal entries and events have ids and times, not names: their Get cmdlets filter by -Id, -Target and -Since.
        // The inventory in use is one thing, not a set to filter.
        var nameless = new[] { "Get-StorageOperation", "Get-StorageEvent", "Get-StorageInventory" };
        var wrong = BuiltModule.Cmdlets.Where(c => c.Verb == "Get" && !nameless.Contains(c.Name))
            .Where(c => c.Parameters.SingleOrDefault(p => p.Name == "Name") is not { SupportsWildcards: true })
            .Select(c => c.Name);
        Assert.Empty(wrong);
    }

    [Fact]
    public void Default_parameter_sets_exist()
    {
        var wrong = BuiltModule.Cmdlets
            .Where(c => c.DefaultParameterSetName != CmdletClass.AllParameterSets && !c.ParameterSetNames.Contains(c.DefaultParameterSetName))
            .Select(c => $"{c.Name}: {c.DefaultParameterSetName}");
        Assert.Empty(wrong);
    }

    [Fact]
    public void Name_is_never_bound_by_property_name_because_every_object_has_one()
    {
        // Get-StorageBackend lab | Get-StorageVolume must filter by backend, not look for a volume called "lab".
        var wrong = from cmdlet in BuiltModule.Cmdlets
                    from parameter in cmdlet.Parameters
                    where parameter.Name is "Name" or "NewName" && parameter.Sets.Any(s => s.ValueFromPipelineByPropertyName)
                    select cmdlet.Name;
        Assert.Empty(wrong);
    }

    [Fact]
    public void PassThru_is_on_Set_and_Register()
    {
        var wrong = BuiltModule.Cmdlets.Where(c => c.Verb is "Set" or "Register").Where(c => c.Parameters.All(p => p.Name != "PassThru")).Select(c => c.Name);
        Assert.Empty(wrong);
    }
}
