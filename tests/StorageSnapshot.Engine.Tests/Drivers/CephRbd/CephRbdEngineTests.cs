using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Drivers.CephRbd;

/// <summary>
/// The engine's use cases on a ceph-rbd backend, end to end on the test cluster: what a user does with the cmdlets,
/// without PowerShell. The Pester suite runs the cmdlets themselves on a ceph-rbd backend too.
/// </summary>
public sealed class CephRbdEngineTests
{
    private const long Size = 16L << 20;

    [CephFact]
    public async Task Snapshot_revert_clone_copy_incremental_copy_and_restores_on_ceph()
    {
        await using var bed = await CephEngineBed.CreateAsync();
        var original = Pattern(Size, 1);
        var volume = await bed.NewVolumeAsync("db01", Size);
        Assert.Equal($"{bed.Space.Location}/db01", volume.Location);
        await bed.WriteAsync("db01", 0, original);
        var s1 = await bed.NewSnapshotAsync("db01", "s1");
        Assert.Equal($"{bed.Space.Location}/db01@{s1.Id}", s1.Location);

        // The credential's key is stored encrypted and shown masked.
        var backend = Assert.Single(await bed.Engine.GetBackendsAsync(new[] { CephEngineBed.Backend }, OperationContext.Unattended()));
        Assert.Equal("********", backend.Properties["Key"]);

        // Revert.
        await bed.WriteAsync("db01", 4096, Pattern(100_000, 2));
        await bed.Engine.RevertSnapshotAsync(SnapshotSelector.Of(s1), OperationContext.Unattended());
        Assert.Equal(original, await bed.ReadVolumeAsync("db01"));

        // Clone, and the snapshot it depends on cannot go while it exists.
        var clone = await bed.Engine.CloneVolumeAsync(new CloneVolumeRequest("db01-test", SnapshotSelector.Of(s1)), OperationContext.Unattended());
        Assert.Equal(original, await bed.ReadVolumeAsync("db01-test"));
        var refused = await Assert.ThrowsAsync<ConflictException>(() => bed.Engine.RemoveSnapshotAsync(SnapshotSelector.Of(s1), OperationContext.Unattended()));
        Assert.Equal(ErrorIds.SnapshotHasDependents, refused.ErrorId);

        // A full copy, then an incremental one that reads only what changed (exact changed ranges from librbd).
        await bed.Engine.RegisterSecondaryStorageAsync(new RegisterSecondaryStorageRequest("nfs1", bed.SecondaryPath) { CreateDirectory = true, ChunkSizeBytes = 64 << 10 },
            OperationContext.Unattended());
        var first = (await bed.Engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(SnapshotSelector.Of(s1), "nfs1"), OperationContext.Unattended()))!;
        Assert.Equal(CopyState.Copied, first.State);
        Assert.Equal(Size, first.BytesRead);
        var changed = (byte[])original.Clone();
        var change = Pattern(4096, 3);
        change.CopyTo(changed, 5L << 20);
        await bed.WriteAsync("db01", 5L << 20, change);
        var s2 = await bed.NewSnapshotAsync("db01", "s2");
        var second = (await bed.Engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(SnapshotSelector.Of(s2), "nfs1"), OperationContext.Unattended()))!;
        Assert.Equal(first.Id, second.BaseCopyId);
        // The 4 KiB change is one 64 KiB chunk; the engine also re-reads a sample of at least 16 unchanged chunks to check
        // the changed ranges it was given (TransferOptions.VerificationSampleMinimum).
        Assert.Equal(64 << 10, second.BytesChanged);
        Assert.True(second.BytesRead <= second.BytesChanged + 20 * (64 << 10), $"The incremental copy read {second.BytesRead} bytes for a 4 KiB change.");
        Assert.True((await bed.Engine.TestSnapshotCopyAsync(second.Id, compareWithSource: true, OperationContext.Unattended())).Valid);

        // Restore into a new image, and in place.
        var restored = await bed.Engine.NewVolumeFromCopyAsync(new NewVolumeFromCopyRequest("db01-restored", second.Id), OperationContext.Unattended());
        Assert.Equal($"{bed.Space.Location}/db01-restored", restored!.Location);
        Assert.Equal(changed, await bed.ReadVolumeAsync("db01-restored"));
        await bed.WriteAsync("db01", 0, Pattern(1 << 20, 4));
        await bed.Engine.RestoreSnapshotFromCopyAsync(second.Id, OperationContext.Unattended());
        Assert.Equal(changed, await bed.ReadVolumeAsync("db01"));

        // Everything goes, clones first.
        Assert.True(await bed.Engine.RemoveVolumeAsync(new RemoveVolumeRequest(VolumeSelector.Of(clone!)), OperationContext.Unattended()));
        foreach (var name in new[] { "db01-restored", "db01" })
            Assert.True(await bed.Engine.RemoveVolumeAsync(new RemoveVolumeRequest(new VolumeSelector(Backend: CephEngineBed.Backend, Name: name), IncludeSnapshots: true), OperationContext.Unattended()));
        Assert.Empty(CephTestCluster.Rbd("ls", $"{CephTestCluster.Pool}/{bed.Space.Name}").Trim());
    }

    [CephFact]
    public async Task An_image_removed_behind_the_modules_back_fails_the_snapshot_clearly_and_nothing_is_shown_ready()
    {
        await using var bed = await CephEngineBed.CreateAsync();
        await bed.NewVolumeAsync("vm1", 1 << 20);
        CephTestCluster.Rbd("rm", "--no-progress", $"{CephTestCluster.Pool}/{bed.Space.Name}/vm1");

        var error = await Assert.ThrowsAsync<DriverFailedException>(() => bed.NewSnapshotAsync("vm1", "nightly"));

        Assert.Contains("Driver 'ceph-rbd' failed", error.Message);
        Assert.Contains($"backend '{CephEngineBed.Backend}'", error.Message);
        Assert.Contains($"{bed.Space.Location}/vm1", error.Message);
        Assert.Contains("ENOENT", error.Message);
        Assert.Contains("removed outside StorageSnapshot", error.Message);
        var failed = await bed.Engine.GetOperationsAsync(new[] { OperationState.Failed }, OperationContext.Unattended());
        Assert.Contains(failed, o => o.Kind == OperationKind.CreateSnapshot && o.Error!.Contains("ENOENT"));
        Assert.DoesNotContain(await bed.Engine.GetSnapshotsAsync(new SnapshotFilter(), OperationContext.Unattended()), s => s.State == SnapshotState.Ready);
    }

    private static byte[] Pattern(long length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
