using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Tests.Infrastructure;
using StorageSnapshot.Engine.Tests.Orchestration;
using HostProcess = StorageSnapshot.Engine.Tests.Orchestration.TestHostProcess;

namespace StorageSnapshot.Engine.Tests.Secondary;

/// <summary>
/// Restores from a copy (New-StorageVolume -FromCopy, Restore-StorageSnapshot -FromCopy) are journaled
/// RestoreFromCopy operations: real inventory, directory driver and repository; the crash cases SIGKILL a TestHost
/// child paused in the middle of writing the copy into the volume, and the next open finds what it left.
/// </summary>
[Trait(InventoryKinds.Trait, InventoryKinds.Each)]
public sealed class JournaledRestoreTests : IAsyncLifetime
{
    private const long VolumeSize = 2L << 20;
    private EngineTestBed bed = null!;
    private Volume volume = null!;
    private SnapshotCopy copy = null!;
    private byte[] copied = null!;

    public async Task InitializeAsync()
    {
        bed = await EngineTestBed.CreateAsync();
        await bed.Engine.RegisterSecondaryStorageAsync(
            new RegisterSecondaryStorageRequest("nfs1", Path.Combine(bed.Root, "secondary")) { ChunkSizeBytes = 64 << 10, CreateDirectory = true }, OperationContext.Unattended());
        volume = await bed.NewVolumeAsync("db01", VolumeSize);
        copied = new byte[VolumeSize];
        new Random(7).NextBytes(copied);
        EngineTestBed.Write(volume, 0, copied);
        var snapshot = await bed.NewSnapshotAsync("db01", "nightly");
        copy = (await bed.Engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(SnapshotSelector.Of(snapshot), "nfs1"), OperationContext.Unattended()))!;
    }

    public async Task DisposeAsync() => await bed.DisposeAsync();

    private StorageSnapshotEngine Engine => bed.Engine;

    private async Task<Operation> SingleRestoreOperationAsync() =>
        Assert.Single(await Engine.GetOperationsAsync(null, OperationContext.Unattended()), o => o.Kind == OperationKind.RestoreFromCopy);

    private byte[] MovedOnData()
    {
        // All of it, so that every chunk the restore writes changes bytes.
        var later = new byte[VolumeSize];
        new Random(11).NextBytes(later);
        EngineTestBed.Write(volume, 0, later);
        return EngineTestBed.Read(volume.Location!, 0, (int)VolumeSize);
    }

    private async Task<DriverObject?> FindOnStorageAsync(Volume target, string snapshotKey)
    {
        var backend = (await Engine.Inventory.GetBackendAsync(EngineTestBed.Backend, CancellationToken.None))!;
        await using var session = await bed.Driver.OpenBackendAsync(backend.Name, backend.Properties, CancellationToken.None);
        return await session.FindSnapshotAsync(new DriverObject { Reference = target.DriverReference!, Location = target.Location!, SizeBytes = target.SizeBytes }, snapshotKey, CancellationToken.None);
    }

    private void CorruptOneChunk()
    {
        var chunk = Directory.EnumerateFiles(Path.Combine(bed.Root, "secondary", "chunks"), "*", SearchOption.AllDirectories).First();
        var bytes = File.ReadAllBytes(chunk);
        bytes[100] ^= 0x10;
        File.WriteAllBytes(chunk, bytes);
    }

    [Fact]
    public async Task A_restore_into_a_new_volume_is_one_Succeeded_operation_and_the_volume_is_Available_with_the_data()
    {
        var restored = await Engine.NewVolumeFromCopyAsync(new NewVolumeFromCopyRequest("db01-restored", copy.Id), OperationContext.Unattended());

        Assert.Equal(VolumeState.Available, restored!.State);
        Assert.Equal(copied, EngineTestBed.Read(restored.Location!, 0, (int)VolumeSize));
        Assert.Equal(restored, await Engine.Inventory.GetVolumeAsync(restored.Id, CancellationToken.None));
        var operation = await SingleRestoreOperationAsync();
        Assert.Equal((OperationState.Succeeded, TargetKind.Volume, restored.Id), (operation.State, operation.TargetKind, operation.TargetId));
        var details = Assert.IsType<RestoreFromCopyDetails>(operation.Details);
        Assert.Equal((copy.Id, RestoreMode.NewVolume, "db01-restored"), (details.CopyId, details.Mode, details.VolumeName));
        Assert.Equal("nfs1", operation.Destination);
        // One operation, not a create plus a write: no separate CreateVolume entry for the restored volume.
        Assert.DoesNotContain(await Engine.GetOperationsAsync(null, OperationContext.Unattended()), o => o.Kind == OperationKind.CreateVolume && o.TargetId == restored.Id);
        Assert.Contains(await Engine.Inventory.ListEventsAsync(0, 1000, CancellationToken.None), e => e.Kind == EventKind.VolumeRestored && e.OperationId == operation.Id);
    }

    [Fact]
    public async Task A_restore_in_place_is_one_Succeeded_operation_naming_its_safety_snapshot_which_is_gone_afterwards()
    {
        MovedOnData();
        var filesBefore = bed.BackendFiles();

        var restored = await Engine.RestoreSnapshotFromCopyAsync(copy.Id, OperationContext.Unattended());

        Assert.Equal((volume.Id, VolumeState.Available), (restored!.Id, restored.State));
        Assert.Equal(copied, EngineTestBed.Read(volume.Location!, 0, (int)VolumeSize));
        var operation = await SingleRestoreOperationAsync();
        Assert.Equal((OperationState.Succeeded, volume.Id), (operation.State, operation.TargetId));
        var details = Assert.IsType<RestoreFromCopyDetails>(operation.Details);
        Assert.Equal((RestoreMode.InPlace, true), (details.Mode, details.DataRestored));
        Assert.NotEmpty(details.SafetySnapshotReference!);
        Assert.Null(await FindOnStorageAsync(volume, details.SafetySnapshotKey!));
        Assert.Equal(filesBefore, bed.BackendFiles());
    }

    [Fact]
    public async Task A_corrupt_copy_fails_both_restores_as_Failed_operations_leaving_no_new_volume_and_the_old_bytes()
    {
        var before = MovedOnData();
        var filesBefore = bed.BackendFiles();
        CorruptOneChunk();

        var inPlace = await Assert.ThrowsAsync<CopyCorruptException>(() => Engine.RestoreSnapshotFromCopyAsync(copy.Id, OperationContext.Unattended()));
        var newVolume = await Assert.ThrowsAsync<CopyCorruptException>(() =>
            Engine.NewVolumeFromCopyAsync(new NewVolumeFromCopyRequest("from-corrupt", copy.Id), OperationContext.Unattended()));

        Assert.Equal((ErrorIds.CopyCorrupt, ErrorIds.CopyCorrupt), (inPlace.ErrorId, newVolume.ErrorId));
        var operations = (await Engine.GetOperationsAsync(null, OperationContext.Unattended())).Where(o => o.Kind == OperationKind.RestoreFromCopy).ToList();
        Assert.Equal(2, operations.Count);
        Assert.All(operations, o => Assert.Equal(OperationState.Failed, o.State));
        Assert.All(operations, o => Assert.Contains("corrupt", o.Error, StringComparison.OrdinalIgnoreCase));

        // In place: reverted to the safety snapshot, Available again, the safety snapshot deleted.
        Assert.Equal(before, EngineTestBed.Read(volume.Location!, 0, (int)VolumeSize));
        Assert.Equal(VolumeState.Available, (await Engine.Inventory.GetVolumeAsync(volume.Id, CancellationToken.None))!.State);
        var inPlaceOperation = Assert.Single(operations, o => o.Details is RestoreFromCopyDetails { Mode: RestoreMode.InPlace });
        Assert.Null(await FindOnStorageAsync(volume, ((RestoreFromCopyDetails)inPlaceOperation.Details!).SafetySnapshotKey!));
        // New volume: neither listed nor on the storage.
        Assert.DoesNotContain(await Engine.GetVolumesAsync(new VolumeFilter(), OperationContext.Unattended()), v => v.Name == "from-corrupt");
        Assert.Equal(filesBefore, bed.BackendFiles());
    }

    [Fact]
    public async Task Ctrl_C_in_the_middle_of_either_restore_undoes_it_and_records_the_operation_Failed()
    {
        var before = MovedOnData();
        var filesBefore = bed.BackendFiles();
        using var inPlaceCancel = new CancellationTokenSource();
        using var newVolumeCancel = new CancellationTokenSource();
        var current = inPlaceCancel;
        bed.Driver.BeforeWrite = (_, _) =>
        {
            current.Cancel(); // once the first chunk is being written
            return Task.CompletedTask;
        };

        var inPlace = await Assert.ThrowsAsync<StorageSnapshotException>(() =>
            Engine.RestoreSnapshotFromCopyAsync(copy.Id, new OperationContext(new RecordingOutput(), static (_, _) => true, inPlaceCancel.Token)));
        current = newVolumeCancel;
        var newVolume = await Assert.ThrowsAsync<StorageSnapshotException>(() =>
            Engine.NewVolumeFromCopyAsync(new NewVolumeFromCopyRequest("db01-restored", copy.Id), new OperationContext(new RecordingOutput(), static (_, _) => true, newVolumeCancel.Token)));
        bed.Driver.BeforeWrite = null;

        Assert.Equal((ErrorIds.OperationCancelled, ErrorIds.OperationCancelled), (inPlace.ErrorId, newVolume.ErrorId));
        var operations = (await Engine.GetOperationsAsync(null, OperationContext.Unattended())).Where(o => o.Kind == OperationKind.RestoreFromCopy).ToList();
        Assert.Equal(2, operations.Count);
        Assert.All(operations, o => Assert.Equal(OperationState.Failed, o.State));
        Assert.Equal(before, EngineTestBed.Read(volume.Location!, 0, (int)VolumeSize));
        Assert.Equal(VolumeState.Available, (await Engine.Inventory.GetVolumeAsync(volume.Id, CancellationToken.None))!.State);
        Assert.DoesNotContain(await Engine.GetVolumesAsync(new VolumeFilter(), OperationContext.Unattended()), v => v.Name == "db01-restored");
        Assert.Equal(filesBefore, bed.BackendFiles());
    }

    [Fact]
    public async Task A_restore_into_a_new_volume_killed_mid_write_leaves_it_Creating_and_its_operation_NeedsRecovery()
    {
        await using (var child = HostProcess.Start(bed.ChildEnvironment, "secondary", "restore-new", bed.Home, copy.Id, "db01-restored", "600000"))
        {
            await child.WaitForLineAsync("READY");
            await child.KillAsync();
        }

        var engine = await bed.ReopenAsync();
        var operation = Assert.Single(await engine.GetOperationsAsync(new[] { OperationState.NeedsRecovery }, OperationContext.Unattended()));
        Assert.Equal(OperationKind.RestoreFromCopy, operation.Kind);
        var details = Assert.IsType<RestoreFromCopyDetails>(operation.Details);
        Assert.Equal((copy.Id, RestoreMode.NewVolume), (details.CopyId, details.Mode));
        var restored = (await engine.Inventory.GetVolumeAsync(operation.TargetId!, CancellationToken.None))!;
        Assert.Equal(("db01-restored", VolumeState.Creating), (restored.Name, restored.State)); // never Available
        Assert.DoesNotContain(await engine.GetVolumesAsync(new VolumeFilter(), OperationContext.Unattended()),
            v => v.Name == "db01-restored" && v.State == VolumeState.Available);
        Assert.Contains(bed.BackendFiles(), f => f.Contains("db01-restored", StringComparison.Ordinal)); // the half-written volume, for repair
    }

    [Fact]
    public async Task A_restore_in_place_killed_mid_write_leaves_the_volume_Reverting_and_the_safety_snapshot_named_and_on_storage()
    {
        var before = MovedOnData();

        await using (var child = HostProcess.Start(bed.ChildEnvironment, "secondary", "restore-in-place", bed.Home, copy.Id, "600000"))
        {
            await child.WaitForLineAsync("READY");
            await child.KillAsync();
        }

        var engine = await bed.ReopenAsync();
        var operation = Assert.Single(await engine.GetOperationsAsync(new[] { OperationState.NeedsRecovery }, OperationContext.Unattended()));
        Assert.Equal((OperationKind.RestoreFromCopy, volume.Id), (operation.Kind, operation.TargetId));
        var details = Assert.IsType<RestoreFromCopyDetails>(operation.Details);
        Assert.Equal((copy.Id, RestoreMode.InPlace), (details.CopyId, details.Mode));
        Assert.False(details.DataRestored);
        Assert.Equal(VolumeState.Reverting, (await engine.Inventory.GetVolumeAsync(volume.Id, CancellationToken.None))!.State); // never Available

        // The safety snapshot the journal names is on the storage and still holds the data from before the restore.
        var safety = await FindOnStorageAsync(volume, details.SafetySnapshotKey!);
        Assert.NotNull(safety);
        Assert.Equal(details.SafetySnapshotReference, safety!.Reference);
        Assert.Equal(before, EngineTestBed.Read(safety.Location, 0, (int)VolumeSize));
        Assert.NotEqual(before, EngineTestBed.Read(volume.Location!, 0, (int)VolumeSize)); // it was killed half-way through overwriting
    }
}
