using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Tests.Infrastructure;
using StorageSnapshot.Engine.Tests.Orchestration;

namespace StorageSnapshot.Engine.Tests.Facade;

/// <summary>
/// What a changing use case returns is what the inventory now holds: a script that keeps the object from
/// New-StorageSnapshot and compares it with Get-StorageSnapshot later (times included) must see the same values.
/// The inventory stores times to the millisecond, so an object built in memory would differ below that.
/// </summary>
[Trait(InventoryKinds.Trait, InventoryKinds.Each)]
public sealed class ReturnedObjectsTests : IAsyncLifetime
{
    private EngineTestBed bed = null!;

    public async Task InitializeAsync() => bed = await EngineTestBed.CreateAsync();

    public async Task DisposeAsync() => await bed.DisposeAsync();

    [Fact]
    public async Task Created_and_changed_objects_equal_their_inventory_rows()
    {
        var otherPath = Directory.CreateDirectory(Path.Combine(bed.Root, "lab2")).FullName;
        var backend = await bed.Engine.RegisterBackendAsync(new RegisterBackendRequest("lab2", "directory", new Dictionary<string, object?> { ["Path"] = otherPath }), new RecordingContext());
        var stored = await bed.Engine.Inventory.GetBackendAsync("lab2", CancellationToken.None);
        Assert.Equal(stored!.RegisteredUtc, backend!.RegisteredUtc);

        var volume = await bed.NewVolumeAsync("db01");
        AssertSame(await bed.Engine.Inventory.GetVolumeAsync(volume.Id, CancellationToken.None), volume);

        var snapshot = await bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(volume))
        {
            Name = "s1",
            ExpiresAt = DateTime.UtcNow.AddDays(1),
            Tags = new Dictionary<string, string> { ["app"] = "db" },
        }, new RecordingContext());
        AssertSame(await bed.Engine.Inventory.GetSnapshotAsync(snapshot!.Id, CancellationToken.None), snapshot);

        var changed = await bed.Engine.SetSnapshotAsync(new SetSnapshotRequest(SnapshotSelector.Of(snapshot)) { ExpiresAt = DateTime.UtcNow.AddDays(2) }, new RecordingContext());
        AssertSame(await bed.Engine.Inventory.GetSnapshotAsync(snapshot.Id, CancellationToken.None), changed);

        var clone = await bed.Engine.CloneVolumeAsync(new CloneVolumeRequest("copy", SnapshotSelector.Of(snapshot)), new RecordingContext());
        AssertSame(await bed.Engine.Inventory.GetVolumeAsync(clone!.Id, CancellationToken.None), clone);
    }

    private static void AssertSame(Volume? stored, Volume? returned)
    {
        Assert.NotNull(stored);
        Assert.Equal(stored with { }, returned! with { });
    }

    private static void AssertSame(Snapshot? stored, Snapshot? returned)
    {
        Assert.NotNull(stored);
        Assert.NotNull(returned);
        // Dictionaries compare by reference in a record: compare them by content, the rest field by field.
        Assert.Equal(stored.Tags.OrderBy(t => t.Key), returned.Tags.OrderBy(t => t.Key));
        Assert.Equal(stored.Details.OrderBy(t => t.Key), returned.Details.OrderBy(t => t.Key));
        Assert.Equal(stored with { Tags = returned.Tags, Details = returned.Details }, returned);
    }
}
