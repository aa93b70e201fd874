using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Naming;
using StorageSnapshot.Engine.Operations;
using StorageSnapshot.Engine.Tests.Infrastructure;
using StorageSnapshot.Engine.Tests.Orchestration;

namespace StorageSnapshot.Engine.Tests.Facade;

/// <summary>
/// The public error contract of PRODUCT.md, in one place. For every error id the façade raises: the typed
/// exception, the stable id, a message naming the problem, the hint a front end words as its advice, and nothing
/// written (<see cref="Refused{TException}"/>); and per id the kind (the ErrorCategory the cmdlets report) and the
/// target (the ErrorRecord's TargetObject — the object acted on, or the name or id asked for), which a script that
/// catches one of these relies on as much as on the id (<see cref="Raises"/>). VolumeBusy, BackendInMaintenance,
/// DriverFailed and OperationCancelled under other processes and injected faults are in Orchestration/.
/// </summary>
[Trait(InventoryKinds.Trait, InventoryKinds.Each)]
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

    /// <summary>Runs <paramref name="call"/>, expects the error id, and checks that nothing changed.</summary>
    private async Task<TException> Refused<TException>(string errorId, Func<RecordingContext, Task> call)
        where TException : StorageSnapshotException
    {
        var before = await bed.CaptureAsync();
        var callsBefore = bed.Driver.Calls.Count;
        var context = new RecordingContext();
        var error = await Assert.ThrowsAsync<TException>(() => call(context));
        Assert.Equal(errorId, error.ErrorId);
        Assert.Empty(context.ShouldProcess.Questions); // refused before asking
        Assert.Equal(before, await bed.CaptureAsync());
        Assert.Equal(callsBefore, bed.Driver.Calls.Count);
        return error;
    }

    [Fact]
    public async Task Not_found_errors_name_what_was_asked_for()
    {
        var missingId = Ids.New();
        var e1 = await Refused<ObjectNotFoundException>(ErrorIds.SnapshotNotFound, c => bed.Engine.RevertSnapshotAsync(new SnapshotSelector(Id: missingId), c));
        Assert.Contains(missingId, e1.Message, StringComparison.Ordinal);
        var e2 = await Refused<ObjectNotFoundException>(ErrorIds.SnapshotNotFound, c => bed.Engine.RemoveSnapshotAsync(new SnapshotSelector(Volume: "db01", Name: "nope"), c));
        Assert.Contains("'nope'", e2.Message, StringComparison.Ordinal);
        var e3 = await Refused<ObjectNotFoundException>(ErrorIds.VolumeNotFound, c => bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(new VolumeSelector(Name: "db99")), c));
        Assert.Contains("'db99'", e3.Message, StringComparison.Ordinal);
        var e4 = await Refused<ObjectNotFoundException>(ErrorIds.BackendNotFound, c => bed.Engine.NewVolumeAsync(new NewVolumeRequest("nolab", "v", 1024), c));
        Assert.Contains("'nolab'", e4.Message, StringComparison.Ordinal);
        await Refused<ObjectNotFoundException>(ErrorIds.BackendNotFound, c => bed.Engine.SetBackendAsync(new SetBackendRequest("nolab") { MaintenanceMode = true }, c));
        await Refused<ObjectNotFoundException>(ErrorIds.BackendNotFound, c => bed.Engine.UnregisterBackendAsync("nolab", c));
        var e5 = await Refused<ObjectNotFoundException>(ErrorIds.DriverNotFound, c => bed.Engine.RegisterBackendAsync(new RegisterBackendRequest("lab2", "nosuch", null), c));
        Assert.Contains("directory", e5.Message, StringComparison.Ordinal); // lists the known drivers
    }

    [Fact]
    public async Task Get_reports_plain_names_that_match_nothing_through_the_sink_and_returns_the_rest()
    {
        var context = new RecordingContext();
        var found = await bed.Engine.GetSnapshotsAsync(new SnapshotFilter { Names = new[] { "nightly", "missing", "nothing*" } }, context);
        Assert.Equal(new[] { snapshot.Id }, found.Select(s => s.Id));
        var error = Assert.Single(context.Output.Errors);
        Assert.Equal(ErrorIds.SnapshotNotFound, error.ErrorId);
        Assert.Equal("missing", error.Target);

        context = new RecordingContext();
        Assert.Empty(await bed.Engine.GetSnapshotsAsync(new SnapshotFilter { Volumes = new[] { "db99" } }, context));
        Assert.Equal(ErrorIds.VolumeNotFound, Assert.Single(context.Output.Errors).ErrorId);

        context = new RecordingContext();
        Assert.Empty(await bed.Engine.GetSnapshotsAsync(new SnapshotFilter { Ids = new[] { Ids.New() } }, context));
        Assert.Equal(ErrorIds.SnapshotNotFound, Assert.Single(context.Output.Errors).ErrorId);

        context = new RecordingContext();
        Assert.Single(await bed.Engine.GetVolumesAsync(new VolumeFilter(Names: new[] { "db01", "db02" }), context));
        Assert.Equal(ErrorIds.VolumeNotFound, Assert.Single(context.Output.Errors).ErrorId);

        context = new RecordingContext();
        Assert.Empty(await bed.Engine.GetVolumesAsync(new VolumeFilter(Backends: new[] { "nolab" }), context));
        Assert.Equal(ErrorIds.BackendNotFound, Assert.Single(context.Output.Errors).ErrorId);

        context = new RecordingContext();
        Assert.Single(await bed.Engine.GetBackendsAsync(new[] { "lab", "nolab", "x*" }, context));
        Assert.Equal(ErrorIds.BackendNotFound, Assert.Single(context.Output.Errors).ErrorId);
    }

    [Fact]
    public async Task Bad_names_are_refused_with_InvalidName()
    {
        foreach (var name in new[] { "../escape", "a/b", "a b", "", ".hidden", new string('x', 129) })
        {
            var e = await Refused<ValidationException>(ErrorIds.InvalidName, c => bed.Engine.NewVolumeAsync(new NewVolumeRequest("lab", name, 1024), c));
            Assert.Contains("volume name", e.Message, StringComparison.Ordinal);
        }
        await Refused<ValidationException>(ErrorIds.InvalidName, c => bed.Engine.RegisterBackendAsync(new RegisterBackendRequest("my lab", "directory", null), c));
        await Refused<ValidationException>(ErrorIds.InvalidName, c => bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(volume)) { Name = "x/../y" }, c));
        await Refused<ValidationException>(ErrorIds.InvalidName, c => bed.Engine.SetSnapshotAsync(new SetSnapshotRequest(SnapshotSelector.Of(snapshot)) { NewName = "bad name" }, c));
        await Refused<ValidationException>(ErrorIds.InvalidName, c => bed.Engine.CloneVolumeAsync(new CloneVolumeRequest("..", SnapshotSelector.Of(snapshot)), c));
    }

    [Fact]
    public async Task Out_of_range_arguments_are_refused_with_InvalidArgument_listing_every_problem()
    {
        await Refused<ValidationException>(ErrorIds.InvalidArgument, c => bed.Engine.NewVolumeAsync(new NewVolumeRequest("lab", "v", 0), c));
        await Refused<ValidationException>(ErrorIds.InvalidArgument, c => bed.Engine.NewVolumeAsync(new NewVolumeRequest("lab", "v", -5), c));
        var huge = await Refused<ValidationException>(ErrorIds.InvalidArgument, c => bed.Engine.NewVolumeAsync(new NewVolumeRequest("lab", "v", (1L << 50) + 1), c));
        Assert.Contains("1 PiB", huge.Message, StringComparison.Ordinal);

        var many = await Refused<ValidationException>(ErrorIds.InvalidArgument, c => bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(volume))
        {
            Tags = new Dictionary<string, string> { [new string('k', 129)] = "v", ["ok"] = new string('v', 257), [""] = "empty" },
            ExpiresAt = DateTime.UtcNow.AddMinutes(-1),
        }, c));
        Assert.Equal(4, many.Problems.Count);
        Assert.Contains(many.Problems, p => p.Contains("not in the future", StringComparison.Ordinal));

        await Refused<ValidationException>(ErrorIds.InvalidArgument, c => bed.Engine.SetSnapshotAsync(
            new SetSnapshotRequest(SnapshotSelector.Of(snapshot)) { ExpiresAt = DateTime.UtcNow.AddDays(1), ClearExpiry = true }, c));
        await Refused<ValidationException>(ErrorIds.InvalidArgument, c => bed.Engine.SetBackendAsync(new SetBackendRequest("lab") { Reason = "why" }, c));
    }

    [Fact]
    public async Task A_volume_name_on_two_backends_needs_Backend()
    {
        var otherPath = Path.Combine(bed.Root, "other");
        Directory.CreateDirectory(otherPath);
        await bed.Engine.RegisterBackendAsync(new RegisterBackendRequest("lab2", "directory", new Dictionary<string, object?> { ["Path"] = otherPath }), new RecordingContext());
        await bed.Engine.NewVolumeAsync(new NewVolumeRequest("lab2", "db01", 1 << 20), new RecordingContext());

        var e = await Refused<ValidationException>(ErrorIds.InvalidArgument, c => bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(new VolumeSelector(Name: "db01")), c));
        Assert.Contains("name the backend", e.Message, StringComparison.Ordinal);
        Assert.Contains("'lab2'", e.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorHint.NameTheBackend("db01"), e.Hint); // the cmdlets: -Backend

        var onLab2 = await bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(new VolumeSelector(Backend: "lab2", Name: "db01")), new RecordingContext());
        Assert.Equal("lab2", onLab2!.Backend);
    }

    [Fact]
    public async Task Existing_names_are_refused_with_AlreadyExists()
    {
        await Refused<ConflictException>(ErrorIds.AlreadyExists, c => bed.Engine.RegisterBackendAsync(new RegisterBackendRequest("LAB", "directory", new Dictionary<string, object?> { ["Path"] = bed.BackendPath }), c));
        await Refused<ConflictException>(ErrorIds.AlreadyExists, c => bed.Engine.NewVolumeAsync(new NewVolumeRequest("lab", "DB01", 1024), c));
        await Refused<ConflictException>(ErrorIds.AlreadyExists, c => bed.Engine.CloneVolumeAsync(new CloneVolumeRequest("db01", SnapshotSelector.Of(snapshot)), c));
        await Refused<ConflictException>(ErrorIds.AlreadyExists, c => bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(volume)) { Name = "Nightly" }, c));
        var other = await bed.NewSnapshotAsync("db01", "other");
        await Refused<ConflictException>(ErrorIds.AlreadyExists, c => bed.Engine.SetSnapshotAsync(new SetSnapshotRequest(SnapshotSelector.Of(other)) { NewName = "nightly" }, c));
    }

    [Fact]
    public async Task Snapshots_that_are_not_Ready_cannot_be_reverted_to_or_cloned()
    {
        bed.Driver.After = (m, _) => m == "CreateSnapshot" ? throw new IOException("no space") : Task.CompletedTask;
        await Assert.ThrowsAsync<DriverFailedException>(() => bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(volume)) { Name = "broken" }, new RecordingContext()));
        bed.Driver.After = null;
        var broken = new SnapshotSelector(Volume: "db01", Name: "broken");

        var e = await Refused<ConflictException>(ErrorIds.InvalidState, c => bed.Engine.RevertSnapshotAsync(broken, c));
        Assert.Contains("Error, not Ready", e.Message, StringComparison.Ordinal);
        await Refused<ConflictException>(ErrorIds.InvalidState, c => bed.Engine.CloneVolumeAsync(new CloneVolumeRequest("copy", broken), c));
        Assert.NotNull((await bed.Engine.PlanRevertAsync(broken, CancellationToken.None)).Refusal);
    }

    [Fact]
    public async Task Dependents_block_removal_VolumeHasSnapshots_and_BackendHasVolumes()
    {
        var e1 = await Refused<ConflictException>(ErrorIds.VolumeHasSnapshots, c => bed.Engine.RemoveVolumeAsync(new RemoveVolumeRequest(VolumeSelector.Of(volume)), c));
        Assert.Contains("'nightly'", e1.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorHint.IncludeSnapshots("db01"), e1.Hint); // the cmdlets: -IncludeSnapshots
        var e2 = await Refused<ConflictException>(ErrorIds.BackendHasVolumes, c => bed.Engine.UnregisterBackendAsync("lab", c));
        Assert.Contains("'db01'", e2.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Properties_are_validated_with_every_problem_at_once()
    {
        var e = await Refused<ValidationException>(ErrorIds.PropertyValidationFailed, c => bed.Engine.RegisterBackendAsync(
            new RegisterBackendRequest("lab2", "directory", new Dictionary<string, object?> { ["Path"] = "relative/dir", ["Colour"] = "red", ["Speed"] = 3 }), c));
        Assert.Equal(3, e.Problems.Count);
        Assert.Equal(3, e.Message.Split(Environment.NewLine).Length);
        Assert.Contains(e.Problems, p => p.Contains("'Colour'", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Contains("absolute path", StringComparison.Ordinal));

        var missing = await Refused<ValidationException>(ErrorIds.PropertyValidationFailed, c => bed.Engine.RegisterBackendAsync(new RegisterBackendRequest("lab2", "directory", null), c));
        Assert.Contains("'Path' is required", Assert.Single(missing.Problems), StringComparison.Ordinal);

        // The driver's own check (the directory must exist) runs once the schema is satisfied.
        var gone = Path.Combine(bed.Root, "does-not-exist");
        var driverCheck = await Refused<ValidationException>(ErrorIds.PropertyValidationFailed, c => bed.Engine.RegisterBackendAsync(
            new RegisterBackendRequest("lab2", "directory", new Dictionary<string, object?> { ["Path"] = gone }), c));
        Assert.Contains(gone, driverCheck.Message, StringComparison.Ordinal);

        await Refused<ValidationException>(ErrorIds.PropertyValidationFailed, c => bed.Engine.SetBackendAsync(
            new SetBackendRequest("lab") { Properties = new Dictionary<string, object?> { ["Path"] = null } }, c));
    }

    [Fact]
    public async Task A_driver_without_a_capability_refuses_with_CapabilityNotSupported()
    {
        var path = Path.Combine(bed.Root, "norevert");
        Directory.CreateDirectory(path);
        await bed.Engine.RegisterBackendAsync(new RegisterBackendRequest("limited", "directory-norevert", new Dictionary<string, object?> { ["Path"] = path }), new RecordingContext());
        await bed.Engine.NewVolumeAsync(new NewVolumeRequest("limited", "v1", 1 << 20), new RecordingContext());
        var limitedSnapshot = await bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(new VolumeSelector(Backend: "limited", Name: "v1")), new RecordingContext());

        var e = await Refused<CapabilityNotSupportedException>(ErrorIds.CapabilityNotSupported, c => bed.Engine.RevertSnapshotAsync(SnapshotSelector.Of(limitedSnapshot!), c));
        Assert.Equal(DriverCapabilities.Revert, e.Capability);
        Assert.Contains("directory-norevert", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("RevertVolume", bed.NoRevertDriver.Calls);
    }

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
        Assert.Equal(ErrorHint.EndMaintenance(EngineTestBed.Backend), create.Hint);
        var remove = await Raises(ErrorIds.BackendInMaintenance, ErrorKind.ResourceUnavailable, () => bed.Engine.RemoveSnapshotAsync(SnapshotSelector.Of(snapshot), new RecordingContext()));
        AssertTargetIs(snapshot, remove.Target);
        var newVolume = await Raises(ErrorIds.BackendInMaintenance, ErrorKind.ResourceUnavailable, () => bed.Engine.NewVolumeAsync(new NewVolumeRequest(EngineTestBed.Backend, "db02", 1024), new RecordingContext()));
        Assert.Equal("db02", newVolume.Target);
    }

    [Fact]
    public async Task VolumeBusy_targets_the_object_whose_volume_is_held()
    {
        var engine = await bed.ReopenAsync(lockTimeout: TimeSpan.FromMilliseconds(100));
        await using var held = await bed.HoldLockAsync(VolumeLock.KeyFor(EngineTestBed.Backend, "db01"));

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
        Assert.Equal(ErrorHint.RemoveClones(["child"]), error.Hint);
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
        Assert.Equal(ErrorHint.FixBackendProperties("lab2", "directory"), error.Hint);
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
