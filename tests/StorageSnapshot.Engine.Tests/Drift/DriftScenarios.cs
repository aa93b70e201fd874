using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Drift;

/// <summary>
/// Test-StorageInventory on one driver, with real storage: every kind of difference is made behind the module's
/// back — by a second inventory on the same storage (orphans), through the driver directly (missing objects), by
/// writing what an interrupted call leaves (leftovers), or by editing the inventory (a dangling parent link) — then
/// it must be reported, repaired as asked, journaled, and the next check must report nothing. Derived per driver.
/// </summary>
public abstract class DriftScenarios : IAsyncLifetime
{
    protected const string Backend = "lab";

    private string root = null!;

    protected string BackendPath { get; private set; } = null!;
    protected StorageSnapshotEngine Engine { get; private set; } = null!;

    /// <summary>The driver under test.</summary>
    protected abstract string DriverName { get; }

    /// <summary>Where the test's folders are made (a loop filesystem for btrfs).</summary>
    protected abstract string CreateRoot();

    /// <summary>Removes what <see cref="CreateRoot"/> made.</summary>
    protected virtual void DeleteRoot(string path) => Directory.Delete(path, recursive: true);

    /// <summary>Writes what an interrupted create of <paramref name="volumeName"/> leaves on this driver's storage.</summary>
    protected abstract void LeaveLeftover(string volumeName);

    public async Task InitializeAsync()
    {
        root = CreateRoot();
        BackendPath = Path.Combine(root, "backend");
        Directory.CreateDirectory(BackendPath);
        Engine = await OpenEngineAsync("home");
        await RegisterBackendAsync(Engine);
    }

    public async Task DisposeAsync()
    {
        await Engine.DisposeAsync();
        DeleteRoot(root);
    }

    protected async Task<StorageSnapshotEngine> OpenEngineAsync(string home) =>
        await StorageSnapshotEngine.OpenAsync(new EngineOptions { HomeDirectory = Path.Combine(root, home), LockTimeout = TimeSpan.FromSeconds(5) }, CancellationToken.None);

    protected async Task ReopenEngineAsync(string home) => Engine = await OpenEngineAsync(home);

    protected string PathUnderRoot(string name) => Path.Combine(root, name);

    protected Task RegisterBackendAsync(StorageSnapshotEngine engine) =>
        engine.RegisterBackendAsync(new RegisterBackendRequest(Backend, DriverName, new Dictionary<string, object?> { ["Path"] = BackendPath }), OperationContext.Unattended());

    protected async Task<Volume> NewVolumeAsync(StorageSnapshotEngine engine, string name) =>
        (await engine.NewVolumeAsync(new NewVolumeRequest(Backend, name, 1 << 20), OperationContext.Unattended()))!;

    protected async Task<Snapshot> NewSnapshotAsync(StorageSnapshotEngine engine, string volume, string name) =>
        (await engine.NewSnapshotAsync(new NewSnapshotRequest(new VolumeSelector(Backend: Backend, Name: volume)) { Name = name }, OperationContext.Unattended()))!;

    protected async Task<IDriverBackend> OpenDriverAsync() =>
        await DriverRegistry.CreateDefault().Get(DriverName).OpenBackendAsync(Backend, new Dictionary<string, string> { ["Path"] = BackendPath }, CancellationToken.None);

    protected async Task<IReadOnlyList<StorageDrift>> CheckAsync(DriftRepair? repair = null, RecordingContext? context = null, TimeSpan? grace = null)
    {
        context ??= new RecordingContext();
        var found = await Engine.TestInventoryAsync(new InventoryCheckRequest { Repair = repair, GracePeriod = grace ?? TimeSpan.FromHours(24) }, context);
        Assert.Empty(context.Output.Errors.Select(e => e.Message));
        return found;
    }

    /// <summary>Objects made by another inventory on the same storage: orphans for this one.</summary>
    protected async Task<(Volume Volume, Snapshot Snapshot)> MakeOrphansAsync()
    {
        await using var other = await OpenEngineAsync("other-home");
        await RegisterBackendAsync(other);
        var volume = await NewVolumeAsync(other, "stray");
        var snapshot = await NewSnapshotAsync(other, "stray", "s1");
        return (volume, snapshot);
    }

    [ContractFact]
    public async Task A_consistent_inventory_reports_nothing()
    {
        await NewVolumeAsync(Engine, "db01");
        await NewSnapshotAsync(Engine, "db01", "s1");
        await NewSnapshotAsync(Engine, "db01", "s2");

        Assert.Empty(await CheckAsync());
    }

    [ContractFact]
    public async Task Orphan_volumes_and_snapshots_are_reported_and_adopted()
    {
        await NewVolumeAsync(Engine, "db01");
        var (_, strayPoint) = await MakeOrphansAsync();

        var found = await CheckAsync();

        Assert.Equal(2, found.Count);
        var volume = Assert.Single(found, d => d is { Kind: DriftKind.Orphan, ObjectType: TargetKind.Volume });
        Assert.Equal("stray", volume.Name);
        Assert.Equal([DriftRepair.Adopt, DriftRepair.Remove], volume.Repairs);
        var snapshot = Assert.Single(found, d => d is { Kind: DriftKind.Orphan, ObjectType: TargetKind.Snapshot });
        Assert.Equal(strayPoint.Id, snapshot.Name);
        Assert.Equal("stray", snapshot.Volume);

        var repaired = await CheckAsync(DriftRepair.Adopt);

        Assert.All(repaired, d => Assert.Equal(DriftRepair.Adopt, d.Repaired));
        Assert.All(repaired, d => Assert.NotNull(d.OperationId));
        var adopted = Assert.Single(await Engine.GetVolumesAsync(new VolumeFilter(Names: ["stray"]), OperationContext.Unattended()));
        Assert.Equal(VolumeState.Available, adopted.State);
        var adoptedSnapshot = Assert.Single(await Engine.GetSnapshotsAsync(new SnapshotFilter { Volumes = ["stray"] }, OperationContext.Unattended()));
        Assert.Equal(strayPoint.Id, adoptedSnapshot.Id);
        Assert.Equal(SnapshotState.Ready, adoptedSnapshot.State);
        // Adopted objects are ordinary: the snapshot reverts its volume and is deleted like any other.
        Assert.NotNull(await Engine.RevertSnapshotAsync(SnapshotSelector.Of(adoptedSnapshot), OperationContext.Unattended()));
        Assert.True(await Engine.RemoveSnapshotAsync(SnapshotSelector.Of(adoptedSnapshot), OperationContext.Unattended()));
        Assert.Empty(await CheckAsync());

        var journal = await Engine.FindOperationsAsync(new OperationFilter { Kinds = [OperationKind.RepairDrift] }, OperationContext.Unattended());
        Assert.Equal(2, journal.Count);
        Assert.All(journal, o => Assert.Equal(OperationState.Succeeded, o.State));
        Assert.All(journal, o => Assert.Equal(DriftRepair.Adopt, Assert.IsType<RepairDriftDetails>(o.Details).Action));
        var events = await Engine.FindEventsAsync(new EventFilter { Kinds = [EventKind.DriftRepaired] }, OperationContext.Unattended());
        Assert.Equal(2, events.Count);
    }

    [ContractFact]
    public async Task Orphans_are_removed_from_the_storage_snapshots_first()
    {
        await MakeOrphansAsync();

        var repaired = await CheckAsync(DriftRepair.Remove);

        Assert.Equal([TargetKind.Snapshot, TargetKind.Volume], repaired.Select(d => d.ObjectType));
        Assert.All(repaired, d => Assert.Equal(DriftRepair.Remove, d.Repaired));
        await using var driver = await OpenDriverAsync();
        Assert.Empty(await driver.ListVolumesAsync(CancellationToken.None));
        Assert.Empty(await Engine.GetVolumesAsync(new VolumeFilter(), OperationContext.Unattended()));
        Assert.Empty(await CheckAsync());
    }

    [ContractFact]
    public async Task Volumes_and_snapshots_gone_from_the_storage_are_reported_missing_and_forgotten()
    {
        var kept = await NewVolumeAsync(Engine, "kept");
        var keptSnapshot = await NewSnapshotAsync(Engine, "kept", "k1");
        var lost = await NewSnapshotAsync(Engine, "kept", "lost");
        var gone = await NewVolumeAsync(Engine, "gone");
        await using (var driver = await OpenDriverAsync())
        {
            await driver.DeleteSnapshotAsync(Operations.DriverObjects.Of(lost), CancellationToken.None);
            await driver.DeleteVolumeAsync(Operations.DriverObjects.Of(gone), CancellationToken.None);
        }

        var found = await CheckAsync();

        Assert.Equal(2, found.Count);
        Assert.Contains(found, d => d is { Kind: DriftKind.Missing, ObjectType: TargetKind.Volume, Name: "gone" } && d.Id == gone.Id);
        Assert.Contains(found, d => d is { Kind: DriftKind.Missing, ObjectType: TargetKind.Snapshot, Name: "lost" } && d.Id == lost.Id);
        Assert.All(found, d => Assert.Equal([DriftRepair.Forget], d.Repairs));

        // Adopt and Remove do not apply: nothing changes.
        var context = new RecordingContext();
        Assert.All(await CheckAsync(DriftRepair.Adopt, context), d => Assert.Null(d.Repaired));
        Assert.Empty(context.ShouldProcess.Questions);
        Assert.Equal(2, (await CheckAsync()).Count);

        var forgotten = await CheckAsync(DriftRepair.Forget);

        Assert.All(forgotten, d => Assert.Equal(DriftRepair.Forget, d.Repaired));
        Assert.Equal(["kept"], (await Engine.GetVolumesAsync(new VolumeFilter(), OperationContext.Unattended())).Select(v => v.Name));
        var left = Assert.Single(await Engine.GetSnapshotsAsync(new SnapshotFilter(), OperationContext.Unattended()));
        Assert.Equal(keptSnapshot.Id, left.Id);
        Assert.Equal(keptSnapshot.Id, (await Engine.GetVolumesAsync(new VolumeFilter(Ids: [kept.Id]), OperationContext.Unattended()))[0].HeadSnapshotId);
        Assert.Empty(await CheckAsync());
    }

    [ContractFact]
    public async Task Leftovers_of_interrupted_work_are_reported_and_removed()
    {
        await NewVolumeAsync(Engine, "db01");
        LeaveLeftover("db02");

        var leftover = Assert.Single(await CheckAsync());

        Assert.Equal(DriftKind.Leftover, leftover.Kind);
        Assert.Equal("db02", leftover.Volume);
        Assert.Equal([DriftRepair.Remove], leftover.Repairs);
        Assert.Equal(DriftRepair.Remove, Assert.Single(await CheckAsync(DriftRepair.Remove)).Repaired);
        await using (var driver = await OpenDriverAsync())
            Assert.Empty(await driver.ListLeftoversAsync(CancellationToken.None));
        Assert.Empty(await CheckAsync());
    }

    [ContractFact]
    public async Task A_busy_volume_is_not_checked()
    {
        LeaveLeftover("db02");
        var home = PathUnderRoot("home");
        using (Operations.VolumeLock.TryAcquire(Path.Combine(home, "locks"), Operations.VolumeLock.KeyFor(Backend, "db02")))
        {
            var context = new RecordingContext();
            Assert.Empty(await CheckAsync(context: context));
            Assert.Contains(context.Output.Verbose, m => m.Contains("busy", StringComparison.Ordinal));
        }
        Assert.Single(await CheckAsync());
    }

    [ContractFact]
    public async Task WhatIf_repairs_nothing()
    {
        await MakeOrphansAsync();
        LeaveLeftover("db02");
        var whatIf = new RecordingContext(answer: false);

        var found = await CheckAsync(DriftRepair.Remove, whatIf);

        Assert.Equal(3, whatIf.ShouldProcess.Questions.Count);
        Assert.All(found, d => Assert.Null(d.Repaired));
        Assert.Equal(3, (await CheckAsync()).Count);
        Assert.Empty(await Engine.FindOperationsAsync(new OperationFilter { Kinds = [OperationKind.RepairDrift] }, OperationContext.Unattended()));
    }

    [ContractFact]
    public async Task A_snapshot_whose_parent_record_is_gone_has_the_link_forgotten()
    {
        await NewVolumeAsync(Engine, "db01");
        var parent = await NewSnapshotAsync(Engine, "db01", "s1");
        var child = await NewSnapshotAsync(Engine, "db01", "s2");
        Assert.Equal(parent.Id, child.ParentId);
        // Behind the module's back: the parent's record is removed from the inventory (its storage object stays: an orphan).
        await using (var transaction = await Engine.Inventory.BeginAsync(CancellationToken.None))
        {
            await transaction.DeleteSnapshotAsync(parent.Id, CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
        }

        var found = await CheckAsync();

        var dangling = Assert.Single(found, d => d.Kind == DriftKind.ParentMissing);
        Assert.Equal("s2", dangling.Name);
        Assert.Contains(found, d => d is { Kind: DriftKind.Orphan, ObjectType: TargetKind.Snapshot } && d.Name == parent.Id);

        await CheckAsync(DriftRepair.Forget);

        var after = Assert.Single(await Engine.GetSnapshotsAsync(new SnapshotFilter(), OperationContext.Unattended()));
        Assert.Null(after.ParentId);
        // The orphan is still there; adopting it brings the parent back as a record.
        Assert.Equal(DriftKind.Orphan, Assert.Single(await CheckAsync()).Kind);
        await CheckAsync(DriftRepair.Adopt);
        Assert.Empty(await CheckAsync());
    }
}
