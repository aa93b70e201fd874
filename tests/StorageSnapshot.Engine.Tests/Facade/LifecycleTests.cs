using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Tests.Infrastructure;
using StorageSnapshot.Engine.Tests.Orchestration;

namespace StorageSnapshot.Engine.Tests.Facade;

/// <summary>The whole life of a volume through the façade, on the real directory driver and a real SQLite inventory.</summary>
[Trait(InventoryKinds.Trait, InventoryKinds.Each)]
public sealed class LifecycleTests : IAsyncLifetime
{
    private EngineTestBed bed = null!;

    public async Task InitializeAsync() => bed = await EngineTestBed.CreateAsync();

    public async Task DisposeAsync() => await bed.DisposeAsync();

    [Fact]
    public async Task Snapshot_change_revert_clone_list_set_and_remove()
    {
        var engine = bed.Engine;
        var backend = Assert.Single(await engine.GetBackendsAsync(null, new RecordingContext()));
        Assert.Equal(EngineTestBed.Backend, backend.Name);
        Assert.Equal(bed.BackendPath, backend.Properties["Path"]);

        var volume = await bed.NewVolumeAsync("db01", 4 << 20);
        Assert.Equal(VolumeState.Available, volume.State);
        Assert.True(File.Exists(volume.Location), volume.Location);
        Assert.StartsWith(bed.BackendPath, volume.Location);

        var original = Enumerable.Range(0, 8192).Select(i => (byte)(i * 7)).ToArray();
        EngineTestBed.Write(volume, 65536, original);

        var create = new RecordingContext();
        var nightly = await engine.NewSnapshotAsync(new NewSnapshotRequest(new VolumeSelector(Backend: "lab", Name: "db01"))
        {
            Name = "nightly",
            Description = "before the upgrade",
            Tags = new Dictionary<string, string> { ["app"] = "db", ["tier"] = "gold" },
            ExpiresAt = DateTime.UtcNow.AddDays(7),
        }, create);
        Assert.NotNull(nightly);
        Assert.Equal(SnapshotState.Ready, nightly!.State);
        Assert.Null(nightly.ParentId);
        Assert.True(File.Exists(nightly.Location), nightly.Location);
        Assert.Equal(original, EngineTestBed.Read(nightly.Location!, 65536, original.Length));
        Assert.Equal(("snapshot 'nightly' of volume 'db01' on backend 'lab'", "Create snapshot"), Assert.Single(create.ShouldProcess.Questions));
        Assert.Contains(create.Output.Verbose, m => m.Contains("recorded as Running", StringComparison.Ordinal));
        Assert.Equal(nightly.Id, (await engine.GetVolumesAsync(new VolumeFilter(Names: new[] { "db01" }), new RecordingContext())).Single().HeadSnapshotId);

        // Change the volume, take a second snapshot (its parent is the first), then revert to the first.
        var changed = Enumerable.Repeat((byte)0xEE, original.Length).ToArray();
        EngineTestBed.Write(volume, 65536, changed);
        var second = await bed.NewSnapshotAsync("db01");
        Assert.Equal(nightly.Id, second.ParentId);
        Assert.Matches(@"^db01-\d{8}-\d{6}$", second.Name);

        var revert = new RecordingContext();
        var reverted = await engine.RevertSnapshotAsync(SnapshotSelector.Of(nightly), revert);
        Assert.Equal(SnapshotState.Ready, reverted!.State);
        Assert.Equal(original, EngineTestBed.Read(volume.Location!, 65536, original.Length));
        var (target, action) = Assert.Single(revert.ShouldProcess.Questions);
        Assert.Equal("snapshot 'nightly' of volume 'db01' on backend 'lab'", target);
        Assert.Contains("discarded", action, StringComparison.Ordinal);
        Assert.Contains($"'{second.Name}' are kept", action, StringComparison.Ordinal);
        var afterRevert = (await engine.GetVolumesAsync(new VolumeFilter(Names: new[] { "db01" }), new RecordingContext())).Single();
        Assert.Equal(nightly.Id, afterRevert.HeadSnapshotId);
        Assert.Equal(VolumeState.Available, afterRevert.State);
        var third = await bed.NewSnapshotAsync("db01", "after-revert");
        Assert.Equal(nightly.Id, third.ParentId);

        // Clone the first snapshot into a new volume holding its bytes.
        var clone = await engine.CloneVolumeAsync(new CloneVolumeRequest("db01-copy", SnapshotSelector.Of(nightly)), new RecordingContext());
        Assert.Equal(VolumeState.Available, clone!.State);
        Assert.Equal(nightly.Id, clone.CreatedFromSnapshotId);
        Assert.Equal(original, EngineTestBed.Read(clone.Location!, 65536, original.Length));

        // Lists: wildcards, tags, states, ids.
        var all = await engine.GetSnapshotsAsync(new SnapshotFilter(), new RecordingContext());
        Assert.Equal(new[] { nightly.Id, second.Id, third.Id }, all.Select(s => s.Id));
        Assert.Equal(new[] { "nightly" }, (await engine.GetSnapshotsAsync(new SnapshotFilter { Tags = new Dictionary<string, string> { ["APP"] = "DB" } }, new RecordingContext())).Select(s => s.Name));
        Assert.Equal(new[] { "nightly" }, (await engine.GetSnapshotsAsync(new SnapshotFilter { Tags = new Dictionary<string, string> { ["tier"] = "*" } }, new RecordingContext())).Select(s => s.Name));
        Assert.Equal(new[] { second.Name }, (await engine.GetSnapshotsAsync(new SnapshotFilter { Names = new[] { "db01-*" } }, new RecordingContext())).Select(s => s.Name));
        Assert.Equal(3, (await engine.GetSnapshotsAsync(new SnapshotFilter { Volumes = new[] { "db0?" }, Backends = new[] { "l*" }, States = new[] { SnapshotState.Ready } }, new RecordingContext())).Count);
        Assert.Empty(await engine.GetSnapshotsAsync(new SnapshotFilter { States = new[] { SnapshotState.Error } }, new RecordingContext()));
        Assert.Equal(new[] { third.Id }, (await engine.GetSnapshotsAsync(new SnapshotFilter { Ids = new[] { third.Id } }, new RecordingContext())).Select(s => s.Id));
        Assert.Equal(new[] { "db01", "db01-copy" }, (await engine.GetVolumesAsync(new VolumeFilter(Names: new[] { "db*" }, Backends: new[] { "lab" }), new RecordingContext())).Select(v => v.Name));

        // Set: rename, retag, clear the expiry.
        var set = new RecordingContext();
        var renamed = await engine.SetSnapshotAsync(new SetSnapshotRequest(SnapshotSelector.Of(nightly))
        {
            NewName = "golden",
            Tags = new Dictionary<string, string?> { ["tier"] = null, ["owner"] = "ops" },
            ClearExpiry = true,
        }, set);
        Assert.Equal("golden", renamed!.Name);
        Assert.Equal(new[] { "app", "owner" }, renamed.Tags.Keys.Order(StringComparer.Ordinal));
        Assert.Null(renamed.ExpiresUtc);
        Assert.Single(set.ShouldProcess.Questions);

        // Remove the newest snapshot, then the clone, then the volume with its snapshots.
        Assert.True(await engine.RemoveSnapshotAsync(SnapshotSelector.Of(third), new RecordingContext()));
        Assert.False(File.Exists(third.Location));
        Assert.Equal(nightly.Id, (await engine.GetVolumesAsync(new VolumeFilter(Names: new[] { "db01" }), new RecordingContext())).Single().HeadSnapshotId);
        Assert.True(await engine.RemoveVolumeAsync(new RemoveVolumeRequest(VolumeSelector.Of(clone)), new RecordingContext()));
        Assert.False(File.Exists(clone.Location));

        var removeVolume = new RecordingContext();
        Assert.True(await engine.RemoveVolumeAsync(new RemoveVolumeRequest(new VolumeSelector(Name: "db01"), IncludeSnapshots: true), removeVolume));
        Assert.Contains("2 snapshot(s)", Assert.Single(removeVolume.ShouldProcess.Questions).Action, StringComparison.Ordinal);
        Assert.Empty(await engine.GetVolumesAsync(new VolumeFilter(), new RecordingContext()));
        Assert.Empty(await engine.GetSnapshotsAsync(new SnapshotFilter(), new RecordingContext()));
        Assert.DoesNotContain(bed.BackendFiles(), f => f.EndsWith(".img", StringComparison.Ordinal));

        // The journal holds every driver call, all Succeeded; the backend can go now.
        var operations = await engine.GetOperationsAsync(null, new RecordingContext());
        Assert.All(operations, o => Assert.Equal(OperationState.Succeeded, o.State));
        Assert.Equal(11, operations.Count);
        var events = await engine.Inventory.ListEventsAsync(0, 1000, CancellationToken.None);
        Assert.Contains(events, e => e.Kind == EventKind.SnapshotReverted && e.TargetId == nightly.Id);
        Assert.Contains(events, e => e.Kind == EventKind.SnapshotUpdated);
        Assert.True(await engine.UnregisterBackendAsync("lab", new RecordingContext()));
        Assert.Empty(await engine.GetBackendsAsync(null, new RecordingContext()));
    }

    [Fact]
    public async Task Drivers_are_listed_with_capabilities_and_schema()
    {
        var context = new RecordingContext();
        var drivers = bed.Engine.GetDrivers(new[] { "dir*", "nosuch" }, context);
        Assert.Contains(drivers, d => d.Name == "directory" && d.Capabilities.HasFlag(DriverCapabilities.Snapshot) && d.Properties.Any(p => p.Name == "Path" && p.Required));
        Assert.Equal(ErrorIds.DriverNotFound, Assert.Single(context.Output.Errors).ErrorId);
    }
}
