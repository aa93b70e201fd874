using StorageSnapshot.Module.Tests.Infrastructure;

namespace StorageSnapshot.Module.Tests;

/// <summary>
/// The pipelines users rely on bind the parameters they should, and only those, under PowerShell's binding rules
/// (see <see cref="PipelineBindingModel"/>). The Pester suite runs the same pipelines in a real PowerShell.
/// </summary>
public sealed class PipelineBindingTests
{
    private const string Backend = "StorageSnapshot.Backend";
    private const string Volume = "StorageSnapshot.Volume";
    private const string Snapshot = "StorageSnapshot.Snapshot";
    private const string Text = "System.String";

    [Fact]
    public void A_backend_piped_to_Get_StorageVolume_filters_by_backend_not_by_volume_name()
    {
        // Get-StorageBackend lab | Get-StorageVolume
        var result = PipelineBindingModel.Bind("Get-StorageVolume", Backend);
        Assert.Equal("by property name", result.Bound["Backend"]);
        Assert.False(result.Bound.ContainsKey("Name"));
    }

    [Fact]
    public void A_volume_piped_to_New_StorageSnapshot_is_the_volume_and_its_name_is_not_the_snapshot_name()
    {
        // Get-StorageVolume -Backend lab | New-StorageSnapshot
        var result = PipelineBindingModel.Bind("New-StorageSnapshot", Volume);
        Assert.Equal("by value with conversion", result.Bound["Volume"]);
        Assert.Equal("by property name", result.Bound["Backend"]);
        Assert.False(result.Bound.ContainsKey("Name"));
        Assert.False(result.Bound.ContainsKey("Description"));
    }

    [Fact]
    public void Names_piped_to_New_StorageSnapshot_are_volume_names()
    {
        // 'v1','v2' | New-StorageSnapshot -Backend lab
        var result = PipelineBindingModel.Bind("New-StorageSnapshot", Text, "Backend");
        Assert.Equal("by value with conversion", result.Bound["Volume"]);
        Assert.Equal(2, result.Bound.Count);
    }

    [Theory]
    [InlineData("Remove-StorageSnapshot", "Force")]
    [InlineData("Restore-StorageSnapshot")]
    [InlineData("Set-StorageSnapshot")]
    public void A_snapshot_piped_to_a_snapshot_cmdlet_binds_InputObject_only(string cmdlet, params string[] commandLine)
    {
        // Get-StorageSnapshot -Volume v1 | Remove-StorageSnapshot -Force
        // Get-StorageSnapshot -Volume db01 | Select-Object -Last 1 | Restore-StorageSnapshot
        var result = PipelineBindingModel.Bind(cmdlet, Snapshot, commandLine);
        Assert.Equal("by value", result.Bound["InputObject"]);
        Assert.False(result.Bound.ContainsKey("Id"));
        Assert.Equal(["ByInputObject"], result.ValidSets);
    }

    [Theory]
    [InlineData("Remove-StorageSnapshot")]
    [InlineData("Restore-StorageSnapshot")]
    public void An_id_piped_to_a_snapshot_cmdlet_binds_Id(string cmdlet)
    {
        var result = PipelineBindingModel.Bind(cmdlet, Text);
        Assert.Equal("by value", result.Bound["Id"]);
        Assert.Equal(["ById"], result.ValidSets);
    }

    [Fact]
    public void A_snapshot_piped_to_New_StorageVolume_is_cloned()
    {
        // Get-StorageSnapshot x | New-StorageVolume -Name c1
        var result = PipelineBindingModel.Bind("New-StorageVolume", Snapshot, "Name");
        Assert.Equal("by value", result.Bound["FromSnapshot"]);
        Assert.False(result.Bound.ContainsKey("Backend"));
        Assert.Equal(["FromSnapshot"], result.ValidSets);
    }

    [Fact]
    public void A_backend_piped_to_New_StorageVolume_is_where_the_volume_is_made()
    {
        // Get-StorageBackend lab | New-StorageVolume -Name v1 -SizeBytes 1GB
        var result = PipelineBindingModel.Bind("New-StorageVolume", Backend, "Name", "SizeBytes");
        Assert.Equal("by property name", result.Bound["Backend"]);
        Assert.Equal(["Empty"], result.ValidSets);
    }

    [Fact]
    public void A_volume_piped_to_Get_StorageSnapshot_lists_its_snapshots()
    {
        // Get-StorageVolume db01 | Get-StorageSnapshot
        var result = PipelineBindingModel.Bind("Get-StorageSnapshot", Volume);
        Assert.Equal("by property name", result.Bound["Volume"]);
        Assert.Equal("by property name", result.Bound["Backend"]);
        Assert.False(result.Bound.ContainsKey("Name"));
        Assert.False(result.Bound.ContainsKey("Id"));
    }

    [Theory]
    [InlineData("Set-StorageBackend", Backend, "InputObject", "ByInputObject")]
    [InlineData("Set-StorageBackend", Text, "Name", "ByName")]
    [InlineData("Unregister-StorageBackend", Backend, "InputObject", "ByInputObject")]
    [InlineData("Remove-StorageVolume", Volume, "InputObject", "ByInputObject")]
    [InlineData("Remove-StorageVolume", Text, "Name", "ByName")]
    public void Objects_bind_InputObject_and_names_bind_Name(string cmdlet, string input, string parameter, string set)
    {
        var result = PipelineBindingModel.Bind(cmdlet, input);
        Assert.Equal("by value", result.Bound[parameter]);
        Assert.Equal([set], result.ValidSets);
    }
}
