using StorageSnapshot.Module.Tests.Infrastructure;

namespace StorageSnapshot.Module.Tests;

/// <summary>The secondary-storage pipelines bind as the docs say (modelled on PowerShell's binder over the built metadata).</summary>
public sealed class SecondaryPipelineBindingTests
{
    private const string Snapshot = "StorageSnapshot.Snapshot";
    private const string Copy = "StorageSnapshot.SnapshotCopy";
    private const string Storage = "StorageSnapshot.SecondaryStorage";
    private const string Text = "System.String";

    [Fact]
    public void A_snapshot_piped_to_Copy_SnapshotToSecondary_is_the_snapshot_copied()
    {
        // New-StorageSnapshot -Volume db01 | Copy-SnapshotToSecondary -Destination nfs1
        var result = PipelineBindingModel.Bind("Copy-SnapshotToSecondary", Snapshot, "Destination");
        Assert.Equal("by value", result.Bound["InputObject"]);
        Assert.False(result.Bound.ContainsKey("Id"));
        Assert.Equal(["ByInputObject"], result.ValidSets);
    }

    [Fact]
    public void Snapshots_piped_to_Get_SnapshotCopy_list_their_copies()
    {
        // Get-StorageSnapshot -Volume db01 | Get-SnapshotCopy
        var result = PipelineBindingModel.Bind("Get-SnapshotCopy", Snapshot);
        Assert.Equal("by value", result.Bound["Snapshot"]);
        Assert.False(result.Bound.ContainsKey("Name"));
        Assert.Equal(["ByInputObject"], result.ValidSets);
    }

    [Theory]
    [InlineData("Test-SnapshotCopy", "InputObject", "ByInputObject")]
    [InlineData("Remove-SnapshotCopy", "InputObject", "ByInputObject")]
    [InlineData("Restore-StorageSnapshot", "FromCopy", "FromCopy")]
    public void A_copy_piped_to_a_copy_cmdlet_binds_the_copy_not_its_id(string cmdlet, string parameter, string set)
    {
        // Get-SnapshotCopy -Destination nfs1 | Test-SnapshotCopy
        var result = PipelineBindingModel.Bind(cmdlet, Copy);
        Assert.Equal("by value", result.Bound[parameter]);
        Assert.False(result.Bound.ContainsKey("Id"));
        Assert.Equal([set], result.ValidSets);
    }

    [Fact]
    public void A_copy_piped_to_New_StorageVolume_is_restored_into_the_new_volume()
    {
        // Get-SnapshotCopy nightly | New-StorageVolume -Name db01-check
        var result = PipelineBindingModel.Bind("New-StorageVolume", Copy, "Name");
        Assert.Equal("by value", result.Bound["FromCopy"]);
        Assert.False(result.Bound.ContainsKey("Backend"));
        Assert.Equal(["FromCopy"], result.ValidSets);
    }

    [Theory]
    [InlineData(Storage, "InputObject", "ByInputObject")]
    [InlineData(Text, "Name", "ByName")]
    public void Unregister_SecondaryStorage_takes_objects_and_names(string input, string parameter, string set)
    {
        var result = PipelineBindingModel.Bind("Unregister-SecondaryStorage", input);
        Assert.Equal("by value", result.Bound[parameter]);
        Assert.Equal([set], result.ValidSets);
    }
}
