using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Tests.Infrastructure;
using StorageSnapshot.Engine.Tests.Orchestration;

namespace StorageSnapshot.Engine.Tests.Facade;

/// <summary>
/// A backend's data location stays where its volumes are, and no two backends manage the same storage (issue 8,
/// data loss 2: Set-StorageBackend -Property @{Path=…} re-pointed a backend with volumes, and removing a volume
/// through it deleted another backend's image while that backend still listed it).
/// </summary>
[Trait(InventoryKinds.Trait, InventoryKinds.Each)]
public sealed class BackendLocationTests : IAsyncLifetime
{
    private EngineTestBed _bed = null!;

    public async Task InitializeAsync() => _bed = await EngineTestBed.CreateAsync(register: false);

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    private StorageSnapshotEngine Engine => _bed.Engine;

    private string Folder(string name)
    {
        var path = Path.Combine(_bed.Root, name);
        Directory.CreateDirectory(path);
        return path;
    }

    private Task<Backend?> RegisterAsync(string name, string path) =>
        Engine.RegisterBackendAsync(new RegisterBackendRequest(name, "directory", new Dictionary<string, object?> { ["Path"] = path }), new RecordingContext());

    private Task<Backend?> SetPathAsync(string name, string path) =>
        Engine.SetBackendAsync(new SetBackendRequest(name) { Properties = new Dictionary<string, object?> { ["Path"] = path } }, new RecordingContext());

    private async Task<Volume> NewVolumeAsync(string backend, string name) =>
        (await Engine.NewVolumeAsync(new NewVolumeRequest(backend, name, 1 << 20), OperationContext.Unattended()))!;

    [Fact]
    public async Task A_backend_with_volumes_cannot_be_repointed_so_another_backends_image_is_never_deleted_through_it()
    {
        var a = Folder("a");
        var b = Folder("b");
        await RegisterAsync("first", a);
        await RegisterAsync("second", b);
        var mine = await NewVolumeAsync("first", "db01");
        var theirs = await NewVolumeAsync("second", "db01");
        File.WriteAllText(theirs.Location!, "second's data");

        var refused = await Assert.ThrowsAsync<ConflictException>(() => SetPathAsync("first", b));
        await Engine.RemoveVolumeAsync(new RemoveVolumeRequest(VolumeSelector.Of(mine)), OperationContext.Unattended());

        Assert.Equal(ErrorIds.BackendHasVolumes, refused.ErrorId);
        Assert.Contains("'Path'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("db01", refused.Message, StringComparison.Ordinal);
        Assert.Equal(a, (await Engine.Inventory.GetBackendAsync("first", CancellationToken.None))!.Properties["Path"]);
        Assert.False(File.Exists(mine.Location));
        Assert.Equal("second's data", File.ReadAllText(theirs.Location!));
        Assert.Single(await Engine.GetVolumesAsync(new VolumeFilter(Backends: new[] { "second" }), OperationContext.Unattended()));
    }

    [Fact]
    public async Task Maintenance_and_other_changes_still_work_while_the_backend_has_volumes()
    {
        await RegisterAsync("lab", Folder("lab"));
        await NewVolumeAsync("lab", "db01");

        var updated = await Engine.SetBackendAsync(new SetBackendRequest("lab") { MaintenanceMode = true, Reason = "firmware" }, new RecordingContext());

        Assert.True(updated!.MaintenanceMode);
    }

    [Fact]
    public async Task An_empty_backend_may_move_to_a_location_no_other_backend_uses()
    {
        await RegisterAsync("lab", Folder("old"));
        var fresh = Folder("new");

        var moved = await SetPathAsync("lab", fresh);
        var volume = await NewVolumeAsync("lab", "db01");

        Assert.Equal(fresh, moved!.Properties["Path"]);
        Assert.StartsWith(fresh + Path.DirectorySeparatorChar, volume.Location, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("same")]
    [InlineData("inside")]
    [InlineData("outside")]
    [InlineData("link")]
    public async Task Two_backends_may_not_share_or_nest_one_location(string how)
    {
        var taken = Folder("storage/lab");
        var candidate = how switch
        {
            "same" => taken,
            "inside" => Folder("storage/lab/nested"),
            "outside" => Path.Combine(_bed.Root, "storage"),
            _ => Directory.CreateSymbolicLink(Path.Combine(_bed.Root, "alias"), taken).FullName,
        };
        await RegisterAsync("lab", taken);

        var error = await Assert.ThrowsAsync<ValidationException>(() => RegisterAsync("other", candidate));

        Assert.Equal(ErrorIds.PropertyValidationFailed, error.ErrorId);
        Assert.Contains("backend 'lab'", error.Message, StringComparison.Ordinal);
        Assert.Contains("may not manage the same storage", error.Message, StringComparison.Ordinal);
        Assert.Single(await Engine.GetBackendsAsync(null, OperationContext.Unattended()));
    }

    [Fact]
    public async Task Moving_an_empty_backend_onto_another_backends_storage_is_refused()
    {
        await RegisterAsync("lab", Folder("lab"));
        await RegisterAsync("spare", Folder("spare"));

        var error = await Assert.ThrowsAsync<ValidationException>(() => SetPathAsync("spare", Path.Combine(_bed.Root, "lab")));

        Assert.Equal(ErrorIds.PropertyValidationFailed, error.ErrorId);
        Assert.Equal(Path.Combine(_bed.Root, "spare"), (await Engine.Inventory.GetBackendAsync("spare", CancellationToken.None))!.Properties["Path"]);
    }

    [Theory]
    [InlineData("file:///srv", "file:///srv", true)]
    [InlineData("file:///srv", "file:///srv/volumes", true)]
    [InlineData("file:///srv/volumes/", "file:///srv", true)]
    [InlineData("file:///srv", "file:///srv2", false)]
    [InlineData("rbd:pool/ns1", "rbd:pool/ns2", false)]
    [InlineData("rbd:pool", "rbd:pool/ns1", true)]
    public void Locations_overlap_when_equal_or_nested_at_a_separator(string a, string b, bool overlap) =>
        Assert.Equal(overlap, DataLocations.Overlap(a, b));
}
