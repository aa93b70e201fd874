using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Tests.Infrastructure;
using StorageSnapshot.Engine.Tests.Orchestration;

namespace StorageSnapshot.Engine.Tests.Facade;

/// <summary>Register, Set and Unregister-StorageBackend: validated properties, the questions asked, the events written.</summary>
[Trait(InventoryKinds.Trait, InventoryKinds.Each)]
public sealed class BackendTests : IAsyncLifetime
{
    private EngineTestBed bed = null!;

    public async Task InitializeAsync() => bed = await EngineTestBed.CreateAsync(register: false);

    public async Task DisposeAsync() => await bed.DisposeAsync();

    [Fact]
    public async Task Register_canonicalises_properties_and_Set_merges_and_revalidates_them()
    {
        var register = new RecordingContext();
        var backend = await bed.Engine.RegisterBackendAsync(new RegisterBackendRequest("lab", "DIRECTORY", new Dictionary<string, object?> { ["path"] = bed.BackendPath + "/" }), register);

        Assert.Equal("directory", backend!.Driver);
        Assert.Equal(bed.BackendPath, backend.Properties["Path"]); // canonical name and path
        var (target, action) = Assert.Single(register.ShouldProcess.Questions);
        Assert.Equal("backend 'lab'", target);
        Assert.Contains($"Path = {bed.BackendPath}", action, StringComparison.Ordinal);

        var moved = Path.Combine(bed.Root, "moved");
        Directory.CreateDirectory(moved);
        var set = new RecordingContext();
        var updated = await bed.Engine.SetBackendAsync(new SetBackendRequest("lab") { Properties = new Dictionary<string, object?> { ["Path"] = moved } }, set);
        Assert.Equal(moved, updated!.Properties["Path"]);
        Assert.Contains($"property Path = {moved}", Assert.Single(set.ShouldProcess.Questions).Action, StringComparison.Ordinal);

        var unchanged = new RecordingContext();
        await bed.Engine.SetBackendAsync(new SetBackendRequest("lab"), unchanged);
        Assert.Contains(unchanged.Output.Verbose, m => m.StartsWith("Nothing to change", StringComparison.Ordinal));

        Assert.True(await bed.Engine.UnregisterBackendAsync("LAB", new RecordingContext()));
        var events = (await bed.Engine.Inventory.ListEventsAsync(0, 100, CancellationToken.None)).Select(e => e.Kind).ToList();
        Assert.Equal(new[] { EventKind.BackendRegistered, EventKind.BackendUpdated, EventKind.BackendUnregistered }, events);
    }

    [Fact]
    public async Task Unregister_never_touches_the_storage()
    {
        await bed.Engine.RegisterBackendAsync(new RegisterBackendRequest("lab", "directory", new Dictionary<string, object?> { ["Path"] = bed.BackendPath }), new RecordingContext());
        var volume = await bed.NewVolumeAsync("db01");
        await bed.Engine.RemoveVolumeAsync(new RemoveVolumeRequest(VolumeSelector.Of(volume)), new RecordingContext());
        File.WriteAllText(Path.Combine(bed.BackendPath, "keep.txt"), "user data");

        Assert.True(await bed.Engine.UnregisterBackendAsync("lab", new RecordingContext()));
        Assert.Equal("user data", File.ReadAllText(Path.Combine(bed.BackendPath, "keep.txt")));
    }
}
