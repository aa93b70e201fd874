using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Naming;
using StorageSnapshot.Engine.Operations;
using StorageSnapshot.Engine.Tests.Infrastructure;
using StorageSnapshot.Engine.Tests.Orchestration;

namespace StorageSnapshot.Engine.Tests.Facade;

/// <summary>
/// The public error contract of PRODUCT.md, one test per id: the id, the kind (the ErrorCategory the cmdlets
/// report) and the target (the ErrorRecord's TargetObject — the object acted on, or the name or id asked for).
/// A script that catches one of these relies on all three, so each is pinned here, not just the id.
/// </summary>
public sealed class ErrorContractTests : IAsyncLifetime
{
    private EngineTestBed bed = null!;
    private Volume volume = null!;
    private Snapshot snapshot = null!;

    public async Task InitializeAsync()
    {
        bed = await EngineTestBed.CreateAsync();
        volume = await bed.NewVolumeAsync("db01");
        snapshot = await bed.NewSnapshotAsync("db01", "nightly");
    }

    public async Task DisposeAsync() => await bed.DisposeAsync();

    private static async Task<StorageSnapshotException> Raises(string errorId, ErrorKind kind, Func<Task> call)
    {
        var error = await Assert.ThrowsAnyAsync<StorageSnapshotException>(call);
        Assert.Equal(errorId, error.ErrorId);
        Assert.Equal(kind, error.Kind);
        return error;
    }

    private static void AssertTargetIs(Volume expected, object? target) => Assert.Equal(expected.Id, Assert.IsType<Volume>(target).Id);

    private static void AssertTargetIs(Snapshot expected, object? target) => Assert.Equal(expected.Id, Assert.IsType<Snapshot>(target).Id);

    [Fact]
    public async Task SnapshotNotFound_targets_the_id_or_name_asked_for()
    {
        var missing = Ids.New();
        var byId = await Raises(ErrorIds.SnapshotNotFound, ErrorKind.ObjectNotFound, () => bed.Engine.RevertSnapshotAsync(new SnapshotSelector(Id: missing), new RecordingContext()));
        Assert.Equal(missing, byId.Target);
        var byName = await Raises(ErrorIds.SnapshotNotFound, ErrorKind.ObjectNotFound, () => bed.Engine.RemoveSnapshotAsync(new SnapshotSelector(Volume: "db01", Name: "nope"), new RecordingContext()));
        Assert.Equal("nope", byName.Target);
    }

    [Fact]
    public async Task VolumeNotFound_targets_the_name_asked_for()
    {
        var error = await Raises(ErrorIds.VolumeNotFound, ErrorKind.ObjectNotFound, () => bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(new VolumeSelector(Name: "db99")), new RecordingContext()));
        Assert.Equal("db99", error.Target);
    }

    [Fact]
    public async Task BackendNotFound_targets_the_name_asked_for()
    {
        var error = await Raises(ErrorIds.BackendNotFound, ErrorKind.ObjectNotFound, () => bed.Engine.NewVolumeAsync(new NewVolumeRequest("nolab", "v", 1024), new RecordingContext()));
        Assert.Equal("nolab", error.Target);
    }

    [Fact]
    public async Task BackendInMaintenance_targets_the_object_the_operation_would_change()
    {
        await bed.Engine.SetBackendAsync(new SetBackendRequest(EngineTestBed.Backend) { MaintenanceMode = true, Reason = "firmware" }, new RecordingContext());

        var create = await Raises(ErrorIds.BackendInMaintenance, ErrorKind.ResourceUnavailable, () => bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(volume)), new RecordingContext()));
        AssertTargetIs(volume, create.Target);
        Assert.Contains("firmware", create.Message, StringComparison.Ordinal);
        var remove = await Raises(ErrorIds.BackendInMaintenance, ErrorKind.ResourceUnavailable, () => bed.Engine.RemoveSnapshotAsync(SnapshotSelector.Of(snapshot), new RecordingContext()));
        AssertTargetIs(snapshot, remove.Target);
        var newVolume = await Raises(ErrorIds.BackendInMaintenance, ErrorKind.ResourceUnavailable, () => bed.Engine.NewVolumeAsync(new NewVolumeRequest(EngineTestBed.Backend, "db02", 1024), new RecordingContext()));
        Assert.Equal("db02", newVolume.Target);
    }

    [Fact]
    public async Task VolumeBusy_targets_the_object_whose_volume_is_held()
    {
        var engine = await bed.ReopenAsync(lockTimeout: TimeSpan.FromMilliseconds(100));
        using var held = VolumeLock.TryAcquire(engine.Options.LockDirectory, VolumeLock.KeyFor(EngineTestBed.Backend, "db01"));
        Assert.NotNull(held);

        var revert = await Raises(ErrorIds.VolumeBusy, ErrorKind.ResourceBusy, () => engine.RevertSnapshotAsync(SnapshotSelector.Of(snapshot), new RecordingContext()));
        AssertTargetIs(snapshot, revert.Target);
        var create = await Raises(ErrorIds.VolumeBusy, ErrorKind.ResourceBusy, () => engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(volume)), new RecordingContext()));
        AssertTargetIs(volume, create.Target);
        var set = await Raises(ErrorIds.VolumeBusy, ErrorKind.ResourceBusy, () => engine.SetSnapshotAsync(new SetSnapshotRequest(SnapshotSelector.Of(snapshot)) { Description = "x" }, new RecordingContext()));
        AssertTargetIs(snapshot, set.Target);
    }

    [Fact]
    public async Task SnapshotHasDependents_targets_the_snapshot()
    {
        var path = Path.Combine(bed.Root, "dependent");
        Directory.CreateDirectory(path);
        await bed.Engine.RegisterBackendAsync(new RegisterBackendRequest("dep", "directory-dependent", new Dictionary<string, object?> { ["Path"] = path }), new RecordingContext());
        await bed.Engine.NewVolumeAsync(new NewVolumeRequest("dep", "v1", 1 << 20), new RecordingContext());
        var parent = await bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(new VolumeSelector(Backend: "dep", Name: "v1")) { Name = "base" }, new RecordingContext());
        await bed.Engine.CloneVolumeAsync(new CloneVolumeRequest("child", SnapshotSelector.Of(parent!)), new RecordingContext());

        var error = await Raises(ErrorIds.SnapshotHasDependents, ErrorKind.InvalidOperation, () => bed.Engine.RemoveSnapshotAsync(SnapshotSelector.Of(parent!), new RecordingContext()));
        AssertTargetIs(parent!, error.Target);
    }

    [Fact]
    public async Task InvalidName_targets_the_name()
    {
        var error = await Raises(ErrorIds.InvalidName, ErrorKind.InvalidArgument, () => bed.Engine.NewVolumeAsync(new NewVolumeRequest(EngineTestBed.Backend, "../x", 1024), new RecordingContext()));
        Assert.Equal("../x", error.Target);
    }

    [Fact]
    public async Task PropertyValidationFailed_targets_the_backend_name()
    {
        var error = await Raises(ErrorIds.PropertyValidationFailed, ErrorKind.InvalidArgument, () => bed.Engine.RegisterBackendAsync(
            new RegisterBackendRequest("lab2", "directory", new Dictionary<string, object?> { ["Path"] = "relative" }), new RecordingContext()));
        Assert.Equal("lab2", error.Target);
    }

    [Fact]
    public async Task DriverFailed_targets_the_object_acted_on()
    {
        bed.Driver.After = (method, _) => method is "CreateSnapshot" or "RevertVolume" ? throw new IOException("controller lost") : Task.CompletedTask;

        var create = await Raises(ErrorIds.DriverFailed, ErrorKind.DeviceError, () => bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(volume)), new RecordingContext()));
        AssertTargetIs(volume, create.Target);
        var revert = await Raises(ErrorIds.DriverFailed, ErrorKind.DeviceError, () => bed.Engine.RevertSnapshotAsync(SnapshotSelector.Of(snapshot), new RecordingContext()));
        AssertTargetIs(snapshot, revert.Target);
    }

    [Fact]
    public async Task BackendHasVolumes_targets_the_backend()
    {
        var error = await Raises(ErrorIds.BackendHasVolumes, ErrorKind.InvalidOperation, () => bed.Engine.UnregisterBackendAsync(EngineTestBed.Backend, new RecordingContext()));
        Assert.Equal(EngineTestBed.Backend, Assert.IsType<Backend>(error.Target).Name);
    }
}
