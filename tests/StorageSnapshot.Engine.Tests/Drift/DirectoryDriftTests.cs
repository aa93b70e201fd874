using System.Security.Cryptography;
using StorageSnapshot.Engine.Drivers.Directory;
using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Secondary;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Drift;

/// <summary>
/// Drift detection and repair on the directory driver (a temporary directory), plus what does not depend on the
/// driver: a snapshot left on the storage after its volume, copies and chunks on secondary storage, and
/// Import-SnapshotCopy's disaster recovery (the inventory lost, the repository registered on a fresh home,
/// imported, restored byte for byte).
/// </summary>
[IntegrationRequirements(needsRoot: false)]
public sealed class DirectoryDriftTests : DriftScenarios
{
    protected override string DriverName => DirectoryDriver.DriverName;

    protected override string CreateRoot() => Directory.CreateTempSubdirectory("storagesnapshot-drift-directory-").FullName;

    protected override void LeaveLeftover(string volumeName)
    {
        var volumes = Path.Combine(BackendPath, "volumes");
        Directory.CreateDirectory(volumes);
        File.WriteAllBytes(Path.Combine(volumes, $".{volumeName}.img.{Guid.NewGuid():N}.tmp"), new byte[4096]);
    }

    private async Task<SnapshotCopy> CopyAsync(StorageSnapshotEngine engine, string volume, string snapshot, byte[] data)
    {
        var made = (await engine.GetVolumesAsync(new VolumeFilter(Names: [volume]), OperationContext.Unattended())).SingleOrDefault()
                   ?? await NewVolumeAsync(engine, volume);
        await File.WriteAllBytesAsync(made.Location!, data);
        var point = await NewSnapshotAsync(engine, volume, snapshot);
        if ((await engine.GetSecondaryStoragesAsync(["nfs1"], new RecordingContext())).Count == 0)
        {
            Directory.CreateDirectory(PathUnderRoot("repository"));
            await engine.RegisterSecondaryStorageAsync(new RegisterSecondaryStorageRequest("nfs1", PathUnderRoot("repository")), OperationContext.Unattended());
        }
        return (await engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(SnapshotSelector.Of(point), "nfs1"), OperationContext.Unattended()))!;
    }

    private static byte[] Data(int seed)
    {
        var data = new byte[1 << 20];
        new Random(seed).NextBytes(data);
        return data;
    }

    [ContractFact]
    public async Task A_snapshot_left_after_its_volume_is_reported_and_removed()
    {
        var volume = await NewVolumeAsync(Engine, "db01");
        var snapshot = await NewSnapshotAsync(Engine, "db01", "s1");
        File.Delete(volume.Location!);

        var found = await CheckAsync();

        Assert.Contains(found, d => d is { Kind: DriftKind.Missing, ObjectType: TargetKind.Volume, Name: "db01" });
        var orphaned = Assert.Single(found, d => d.Kind == DriftKind.ParentMissing);
        Assert.Equal(snapshot.Id, orphaned.Id);
        Assert.Equal([DriftRepair.Forget, DriftRepair.Remove], orphaned.Repairs);

        var removed = await CheckAsync(DriftRepair.Remove);
        Assert.Equal(DriftRepair.Remove, Assert.Single(removed, d => d.Kind == DriftKind.ParentMissing).Repaired);
        Assert.False(File.Exists(snapshot.Location));
        // The volume takes Forget only; now that its snapshot is gone it can be forgotten.
        Assert.Equal(DriftRepair.Forget, Assert.Single(await CheckAsync(DriftRepair.Forget)).Repaired);
        Assert.Empty(await Engine.GetVolumesAsync(new VolumeFilter(), OperationContext.Unattended()));
        Assert.Empty(await CheckAsync());
    }

    [ContractFact]
    public async Task Forgetting_a_missing_volume_whose_snapshots_are_still_recorded_is_refused_with_a_reason()
    {
        var volume = await NewVolumeAsync(Engine, "db01");
        await NewSnapshotAsync(Engine, "db01", "s1");
        File.Delete(volume.Location!);
        var missing = (await CheckAsync()).Single(d => d.ObjectType == TargetKind.Volume);

        var context = new RecordingContext();
        await Engine.TestInventoryAsync(new InventoryCheckRequest { Repair = DriftRepair.Forget, Backends = [Backend] }, context);

        // The snapshot (ParentMissing, Forget) goes first, so the volume can go next in the same run.
        Assert.Empty(context.Output.Errors);
        Assert.Empty(await Engine.GetVolumesAsync(new VolumeFilter(), OperationContext.Unattended()));
        Assert.Equal("db01", missing.Name);
    }

    [ContractFact]
    public async Task Copies_on_secondary_storage_orphan_missing_and_unreferenced_chunks()
    {
        var kept = await CopyAsync(Engine, "db01", "s1", Data(1));
        var orphan = await CopyAsync(Engine, "db01", "s2", Data(2));
        var missing = await CopyAsync(Engine, "db01", "s3", Data(3));
        await CopyAsync(Engine, "db01", "s4", Data(4));
        var storage = (await Engine.GetSecondaryStoragesAsync(["nfs1"], OperationContext.Unattended())).Single();
        await using (var transaction = await Engine.Inventory.BeginAsync(CancellationToken.None))
        {
            await transaction.DeleteCopyAsync(orphan.Id, CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
        }
        await using (var store = await ChunkStoreRegistry.CreateDefault().OpenAsync(storage, CancellationToken.None))
        {
            await store.DeleteManifestAsync(missing.Id, CancellationToken.None);
        }
        var s4 = (await Engine.GetSnapshotCopiesAsync(new CopyFilter(), OperationContext.Unattended())).Single(c => c.Snapshot == "s4");
        // An ordinary removal leaves its chunks for the grace period.
        Assert.True(await Engine.RemoveSnapshotCopyAsync(s4.Id, OperationContext.Unattended(), TimeSpan.FromDays(1)));

        Assert.DoesNotContain(await CheckAsync(), d => d.Kind == DriftKind.UnreferencedChunks);
        var found = await CheckAsync(grace: TimeSpan.Zero);

        Assert.Equal(3, found.Count);
        var orphanItem = Assert.Single(found, d => d is { Kind: DriftKind.Orphan, ObjectType: TargetKind.Copy });
        Assert.Equal(orphan.Id, orphanItem.Name);
        Assert.Equal("nfs1", orphanItem.Destination);
        Assert.Equal(missing.Id, Assert.Single(found, d => d is { Kind: DriftKind.Missing, ObjectType: TargetKind.Copy }).Name);
        var chunks = Assert.Single(found, d => d.Kind == DriftKind.UnreferencedChunks);
        Assert.True(chunks.Count >= 1 && chunks.SizeBytes > 0);

        await CheckAsync(DriftRepair.Adopt, grace: TimeSpan.Zero);
        await CheckAsync(DriftRepair.Forget, grace: TimeSpan.Zero);
        var removed = Assert.Single(await CheckAsync(DriftRepair.Remove, grace: TimeSpan.Zero));

        Assert.Equal(DriftKind.UnreferencedChunks, removed.Kind);
        Assert.Equal(chunks.Count, removed.Count);
        Assert.Empty(await CheckAsync(grace: TimeSpan.Zero));
        var copies = await Engine.GetSnapshotCopiesAsync(new CopyFilter(), OperationContext.Unattended());
        Assert.Equal(new[] { kept.Id, orphan.Id }.Order(), copies.Select(c => c.Id).Order());
        var adopted = copies.Single(c => c.Id == orphan.Id);
        Assert.Equal(orphan with { CreatedUtc = adopted.CreatedUtc }, adopted);
        // The adopted copy is a whole copy: it verifies.
        Assert.True((await Engine.TestSnapshotCopyAsync(orphan.Id, compareWithSource: false, OperationContext.Unattended())).Valid);
    }

    [ContractFact]
    public async Task An_orphan_copy_can_be_removed()
    {
        var orphan = await CopyAsync(Engine, "db01", "s1", Data(5));
        await using (var transaction = await Engine.Inventory.BeginAsync(CancellationToken.None))
        {
            await transaction.DeleteCopyAsync(orphan.Id, CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
        }

        Assert.Equal(DriftRepair.Remove, Assert.Single(await CheckAsync(DriftRepair.Remove)).Repaired);

        Assert.Empty(await CheckAsync());
        var found = await CheckAsync(grace: TimeSpan.Zero);
        Assert.Equal(DriftKind.UnreferencedChunks, Assert.Single(found).Kind);
    }

    [ContractFact]
    public async Task Disaster_recovery_imports_the_copies_into_a_fresh_inventory_and_restores_them_byte_for_byte()
    {
        var data = Data(7);
        var copy = await CopyAsync(Engine, "db01", "nightly", data);
        var second = await CopyAsync(Engine, "db01", "later", Data(8));
        await Engine.DisposeAsync();
        Directory.Delete(PathUnderRoot("home"), recursive: true); // the inventory is lost

        await using var fresh = await OpenEngineAsync("new-home");
        await fresh.RegisterSecondaryStorageAsync(new RegisterSecondaryStorageRequest("restored", PathUnderRoot("repository")), OperationContext.Unattended());
        var newBackend = PathUnderRoot("new-backend");
        Directory.CreateDirectory(newBackend);
        await fresh.RegisterBackendAsync(new RegisterBackendRequest("dr", DriverName, new Dictionary<string, object?> { ["Path"] = newBackend }), OperationContext.Unattended());

        var imported = await fresh.ImportCopiesAsync("restored", new RecordingContext());

        Assert.NotNull(imported);
        Assert.Equal(new[] { copy.Id, second.Id }, imported.Select(c => c.Id));
        Assert.Equal(copy with { Destination = "restored", CreatedUtc = imported[0].CreatedUtc }, imported[0]);
        var again = await fresh.ImportCopiesAsync("restored", new RecordingContext());
        Assert.NotNull(again);
        Assert.Empty(again);
        Assert.Equal(2, (await fresh.GetSnapshotCopiesAsync(new CopyFilter(), OperationContext.Unattended())).Count);
        var journal = await fresh.FindOperationsAsync(new OperationFilter { Kinds = [OperationKind.ImportCopies] }, OperationContext.Unattended());
        Assert.Equal(2, journal.Count);
        Assert.All(journal, o => Assert.Equal(OperationState.Succeeded, o.State));

        var restored = await fresh.NewVolumeFromCopyAsync(new NewVolumeFromCopyRequest("db01-restored", copy.Id, "dr"), OperationContext.Unattended());

        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await File.ReadAllBytesAsync(restored!.Location!)));
        await ReopenEngineAsync("home"); // for DisposeAsync
    }

    [ContractFact]
    public async Task Import_under_WhatIf_records_nothing()
    {
        var copy = await CopyAsync(Engine, "db01", "s1", Data(9));
        await using (var transaction = await Engine.Inventory.BeginAsync(CancellationToken.None))
        {
            await transaction.DeleteCopyAsync(copy.Id, CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
        }

        Assert.Null(await Engine.ImportCopiesAsync("nfs1", new RecordingContext(answer: false)));

        Assert.Empty(await Engine.GetSnapshotCopiesAsync(new CopyFilter(), OperationContext.Unattended()));
        Assert.Equal(copy.Id, Assert.Single((await Engine.ImportCopiesAsync("nfs1", new RecordingContext()))!).Id);
    }
    [ContractFact]
    public async Task A_drift_repair_or_an_import_whose_process_died_is_rolled_back_by_Repair_StorageOperation()
    {
        await CopyAsync(Engine, "db01", "s1", Data(10));
        Operation Running(OperationKind kind, TargetKind target, string targetId, string? backend, string? volume, string? destination, OperationDetails details) => new()
        {
            Id = StorageSnapshot.Engine.Naming.Ids.New(), Kind = kind, State = OperationState.Running, Backend = backend, Volume = volume, Destination = destination, TargetKind = target,
            TargetId = targetId, StartedUtc = DateTime.UtcNow, Owner = Operations.OperationOwner.Current, Details = details,
        };
        var adopt = Running(OperationKind.RepairDrift, TargetKind.Volume, "v1", Backend, "stray", null,
            new RepairDriftDetails { Drift = DriftKind.Orphan, ObjectType = TargetKind.Volume, Action = DriftRepair.Adopt, Name = "stray", Id = "v1" });
        var import = Running(OperationKind.ImportCopies, TargetKind.SecondaryStorage, "nfs1", null, null, "nfs1",
            new ImportCopiesDetails { Destination = "nfs1", Repository = PathUnderRoot("repository") });
        await using (var transaction = await Engine.Inventory.BeginAsync(CancellationToken.None))
        {
            await transaction.InsertOperationAsync(adopt, CancellationToken.None);
            await transaction.InsertOperationAsync(import, CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
        }
        await Engine.DisposeAsync();
        await ReopenEngineAsync("home"); // finds both dead (their locks are free)

        foreach (var id in new[] { adopt.Id, import.Id })
        {
            var repaired = await Engine.RepairOperationAsync(id, new RecordingContext());
            Assert.Equal(OperationState.Recovered, repaired!.State);
            Assert.Equal(RecoveryDirection.RolledBack, repaired.Recovery);
        }
        Assert.Empty(await Engine.GetRepairableOperationsAsync(OperationContext.Unattended()));
        Assert.Empty(await CheckAsync());
    }
}
