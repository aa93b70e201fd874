using System.Diagnostics;
using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Drivers.CephRbd;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Drivers.CephRbd;

/// <summary>A fact that needs the test Ceph cluster: skipped with the reason outside CI, run (and failed without it) under required.</summary>
public sealed class CephFactAttribute : FactAttribute
{
    public CephFactAttribute()
    {
        Skip = CephTestCluster.SkipReason;
    }
}

/// <summary>
/// What registration checks on a real cluster, one message per problem, within the backend's timeout; and what the
/// driver says when the cluster's objects are not what it expects.
/// </summary>
public sealed class CephRbdClusterTests
{
    private static readonly CephRbdDriver Driver = new();

    [CephFact]
    public async Task A_valid_backend_has_no_problems_with_a_config_file_or_with_monitors_and_a_key()
    {
        CephTestCluster.Require();
        Assert.Empty(await Driver.ValidateBackendAsync(CephTestCluster.Properties(null), CancellationToken.None));

        // Without any file: the monitors' addresses and the key, as a credential would give them.
        var withoutFiles = new Dictionary<string, string>
        {
            ["Pool"] = CephTestCluster.Pool, ["MonitorHosts"] = MonitorHosts(), ["User"] = "admin", ["Key"] = CephTestCluster.AdminKey(),
            ["TimeoutSeconds"] = "10", ["CloneFormat"] = "auto",
        };
        Assert.Empty(await Driver.ValidateBackendAsync(withoutFiles, CancellationToken.None));
    }

    [CephFact]
    public async Task A_missing_pool_is_named_with_the_pools_the_cluster_has()
    {
        CephTestCluster.Require();
        var problems = await Driver.ValidateBackendAsync(CephTestCluster.Properties(null, ("Pool", "no-such-pool")), CancellationToken.None);

        var problem = Assert.Single(problems);
        Assert.Contains("Pool 'no-such-pool' does not exist in the cluster at", problem);
        Assert.Contains($"its pools: ", problem);
        Assert.Contains(CephTestCluster.Pool, problem);
    }

    [CephFact]
    public async Task A_pool_without_the_rbd_application_is_not_an_rbd_pool()
    {
        CephTestCluster.Require();
        var problems = await Driver.ValidateBackendAsync(CephTestCluster.Properties(null, ("Pool", CephTestCluster.PlainPool)), CancellationToken.None);

        Assert.Equal(new[] { $"Pool '{CephTestCluster.PlainPool}' is not an RBD pool: it has the application 'rados'. `rbd pool init {CephTestCluster.PlainPool}` makes it one." }, problems);
    }

    [CephFact]
    public async Task A_missing_namespace_and_a_data_pool_that_is_no_rbd_pool_are_two_problems()
    {
        CephTestCluster.Require();
        var problems = await Driver.ValidateBackendAsync(
            CephTestCluster.Properties("no-such-namespace", ("DataPool", CephTestCluster.PlainPool)), CancellationToken.None);

        Assert.Equal(2, problems.Count);
        Assert.Contains($"Namespace 'no-such-namespace' does not exist in pool '{CephTestCluster.Pool}': create it with `rbd namespace create {CephTestCluster.Pool}/no-such-namespace`.", problems);
        Assert.Contains($"DataPool '{CephTestCluster.PlainPool}' is not an RBD pool: it has the application 'rados'. `rbd pool init {CephTestCluster.PlainPool}` makes it one.", problems);
    }

    [CephFact]
    public async Task A_wrong_key_is_refused_by_name_and_the_key_is_never_quoted()
    {
        CephTestCluster.Require();
        const string wrongKey = "AQBv3WBnAAAAABAAkeBJ3dB6uGxHM8Wqs9XpZg==";
        var problems = await Driver.ValidateBackendAsync(CephTestCluster.Properties(null, ("Key", wrongKey), ("TimeoutSeconds", "10")), CancellationToken.None);

        var problem = Assert.Single(problems);
        Assert.Contains("refused client.admin", problem);
        Assert.Contains("the key is wrong", problem);
        Assert.DoesNotContain(wrongKey, problem);
    }

    [CephFact]
    public async Task Unreachable_monitors_are_reported_within_the_timeout()
    {
        CephTestCluster.Require();
        var properties = new Dictionary<string, string>
        {
            ["Pool"] = "rbd", ["MonitorHosts"] = "127.0.0.1:9", ["User"] = "admin", ["Key"] = CephTestCluster.AdminKey(), ["TimeoutSeconds"] = "2", ["CloneFormat"] = "auto",
        };
        var clock = Stopwatch.StartNew();

        var problems = await Driver.ValidateBackendAsync(properties, CancellationToken.None);

        var problem = Assert.Single(problems);
        Assert.Contains("No Ceph monitor answered at", problem);
        Assert.Contains("127.0.0.1:9", problem);
        Assert.Contains("within 2 s", problem);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"Validation took {clock.Elapsed}: the connect timeout is not honoured.");
    }

    [CephFact]
    public async Task A_volume_larger_than_the_pool_can_hold_is_allowed_with_a_warning()
    {
        await using var backend = await OpenAsync(null);

        var check = await backend.CheckNewVolumeAsync(1L << 50, CancellationToken.None);

        Assert.Empty(check.Problems);
        var warning = Assert.Single(check.Warnings);
        Assert.Contains("1 PiB", warning);
        Assert.Contains($"still available to pool '{CephTestCluster.Pool}'", warning);
        Assert.Contains("thin-provisioned", warning);
        Assert.Empty((await backend.CheckNewVolumeAsync(1 << 20, CancellationToken.None)).Warnings);
    }

    [CephFact]
    public async Task A_pool_quota_warns_of_a_larger_volume_and_refuses_one_when_it_is_reached()
    {
        CephTestCluster.Require();
        var pool = $"quota-{Guid.NewGuid():N}"[..14];
        CephTestCluster.Ceph("osd", "pool", "create", pool, "8");
        try
        {
            CephTestCluster.Rbd("pool", "init", pool);
            CephTestCluster.Ceph("osd", "pool", "set-quota", pool, "max_bytes", (1L << 30).ToString(System.Globalization.CultureInfo.InvariantCulture));
            await using var backend = await OpenAsync(null, ("Pool", pool));

            // A new quota reaches the client with the next OSD map, which can lag the command by a moment.
            var quotaDeadline = DateTime.UtcNow.AddSeconds(60);
            CapacityCheck larger;
            while ((larger = await backend.CheckNewVolumeAsync(2L << 30, CancellationToken.None)).Warnings.Count == 0 && DateTime.UtcNow < quotaDeadline)
                await Task.Delay(500);
            Assert.Empty(larger.Problems);
            Assert.Contains(larger.Warnings, w => w.Contains($"left under pool '{pool}''s quota of 1 GiB") && w.Contains("writes to it fail once the quota is reached"));

            // A quota below what the pool holds (rbd pool init wrote a few bytes): the pool refuses writes, so the volume is refused.
            CephTestCluster.Ceph("osd", "pool", "set-quota", pool, "max_bytes", "1");
            var deadline = DateTime.UtcNow.AddSeconds(60);
            CapacityCheck reached;
            while ((reached = await backend.CheckNewVolumeAsync(1 << 20, CancellationToken.None)).Problems.Count == 0 && DateTime.UtcNow < deadline)
                await Task.Delay(1000); // the monitors learn what the pool holds from the OSDs' statistics, every few seconds
            var problem = Assert.Single(reached.Problems);
            Assert.Contains($"Pool '{pool}' has reached its quota of 1 bytes", problem);
        }
        finally
        {
            CephTestCluster.Ceph("osd", "pool", "delete", pool, pool, "--yes-i-really-really-mean-it");
        }
    }

    [CephFact]
    public async Task An_image_removed_behind_the_drivers_back_is_named_in_the_error()
    {
        using var space = await CephTestNamespace.CreateAsync("gone");
        await using var backend = await OpenAsync(space.Name);
        var volume = await backend.CreateVolumeAsync("vol1", 1 << 20, CancellationToken.None);
        CephTestCluster.Rbd("rm", "--no-progress", $"{CephTestCluster.Pool}/{space.Name}/vol1");

        var error = await Assert.ThrowsAsync<CephException>(() => backend.CreateSnapshotAsync(volume, "S1", CancellationToken.None));

        Assert.Contains($"rbd_open (rbd:{CephTestCluster.Pool}/{space.Name}/vol1) failed: ENOENT", error.Message);
        Assert.Contains("removed outside StorageSnapshot", error.Message);
        // Deleting what is already gone succeeds; finding its snapshot finds nothing.
        await backend.DeleteVolumeAsync(volume, CancellationToken.None);
        Assert.Null(await backend.FindSnapshotAsync(volume, "S1", CancellationToken.None));
    }

    [CephFact]
    public async Task A_snapshot_removed_behind_the_drivers_back_is_not_reverted_to()
    {
        using var space = await CephTestNamespace.CreateAsync("gone");
        await using var backend = await OpenAsync(space.Name);
        var volume = await backend.CreateVolumeAsync("vol1", 1 << 20, CancellationToken.None);
        var snapshot = await backend.CreateSnapshotAsync(volume, "S1", CancellationToken.None);
        CephTestCluster.Rbd("snap", "rm", "--no-progress", $"{CephTestCluster.Pool}/{space.Name}/vol1@S1");

        var error = await Assert.ThrowsAsync<CephException>(() => backend.RevertVolumeAsync(volume, snapshot, CancellationToken.None));

        Assert.Contains($"rbd:{CephTestCluster.Pool}/{space.Name}/vol1@S1", error.Message);
        Assert.Contains("the snapshot does not exist", error.Message);
        Assert.Contains("The volume was not changed.", error.Message);
    }

    [CephFact]
    public async Task A_volume_with_snapshots_made_outside_is_not_deleted_and_the_snapshots_are_named()
    {
        using var space = await CephTestNamespace.CreateAsync("outside");
        await using var backend = await OpenAsync(space.Name);
        var volume = await backend.CreateVolumeAsync("vol1", 1 << 20, CancellationToken.None);
        CephTestCluster.Rbd("snap", "create", $"{CephTestCluster.Pool}/{space.Name}/vol1@by-hand");

        var error = await Assert.ThrowsAsync<CephException>(() => backend.DeleteVolumeAsync(volume, CancellationToken.None));

        Assert.Equal(CephError.ENOTEMPTY, error.Errno);
        Assert.Contains("the image still has snapshots (by-hand)", error.Message);
        Assert.Single(await backend.ListVolumesAsync(CancellationToken.None));
    }

    [CephFact]
    public async Task A_snapshot_with_a_clone_made_outside_is_not_deleted()
    {
        using var space = await CephTestNamespace.CreateAsync("outside");
        await using var backend = await OpenAsync(space.Name);
        var volume = await backend.CreateVolumeAsync("vol1", 1 << 20, CancellationToken.None);
        var snapshot = await backend.CreateSnapshotAsync(volume, "S1", CancellationToken.None);
        var spec = $"{CephTestCluster.Pool}/{space.Name}/vol1@S1";
        CephTestCluster.Rbd("snap", "protect", spec);
        CephTestCluster.Rbd("clone", "--rbd-default-clone-format", "1", spec, $"{CephTestCluster.Pool}/{space.Name}/by-hand");

        var error = await Assert.ThrowsAsync<CephException>(() => backend.DeleteSnapshotAsync(snapshot, CancellationToken.None));

        Assert.Equal(CephError.EBUSY, error.Errno);
        Assert.Contains("clones still depend on the snapshot", error.Message);
        Assert.NotNull(await backend.FindSnapshotAsync(volume, "S1", CancellationToken.None));
    }

    [CephFact]
    public async Task Clones_use_format_1_with_a_protected_parent_or_format_2_without_and_deleting_the_parent_unprotects_it()
    {
        using var space = await CephTestNamespace.CreateAsync("clone");
        foreach (var format in new[] { "1", "2" })
        {
            await using var backend = await OpenAsync(space.Name, (CephRbdSettings.CloneFormatProperty, format));
            var volume = await backend.CreateVolumeAsync("vol" + format, 1 << 20, CancellationToken.None);
            var snapshot = await backend.CreateSnapshotAsync(volume, "S1", CancellationToken.None);

            var clone = await backend.CloneVolumeAsync(snapshot, "clone" + format, CancellationToken.None);

            Assert.Equal(format, clone.Details["cloneFormat"]);
            var info = CephTestCluster.Rbd("snap", "ls", "--format", "json", $"{CephTestCluster.Pool}/{space.Name}/vol{format}");
            Assert.Contains(format == "1" ? "\"protected\":\"true\"" : "\"protected\":\"false\"", info);
            await backend.DeleteVolumeAsync(clone, CancellationToken.None);
            await backend.DeleteSnapshotAsync(snapshot, CancellationToken.None);
            Assert.Null(await backend.FindSnapshotAsync(volume, "S1", CancellationToken.None));
        }
    }

    [CephFact]
    public async Task Changed_ranges_are_exact_and_reads_skip_what_is_not_allocated()
    {
        using var space = await CephTestNamespace.CreateAsync("diff");
        await using var backend = await OpenAsync(space.Name);
        const long size = 64L << 20;
        var volume = await backend.CreateVolumeAsync("vol1", size, CancellationToken.None);
        await using (var writer = await backend.OpenVolumeWriterAsync(volume, CancellationToken.None))
        {
            await writer.WriteAsync(0, new byte[8 << 20].Select((_, i) => (byte)(i | 1)).ToArray(), CancellationToken.None);
            await writer.FlushAsync(CancellationToken.None);
        }
        var s1 = await backend.CreateSnapshotAsync(volume, "S1", CancellationToken.None);
        await using (var writer = await backend.OpenVolumeWriterAsync(volume, CancellationToken.None))
        {
            await writer.WriteAsync(5000, new byte[] { 1, 2, 3 }, CancellationToken.None);
            await writer.WriteAsync(40L << 20, new byte[4096].Select(_ => (byte)7).ToArray(), CancellationToken.None);
            await writer.ZeroAsync(6L << 20, 8192, CancellationToken.None);
            await writer.FlushAsync(CancellationToken.None);
        }
        var s2 = await backend.CreateSnapshotAsync(volume, "S2", CancellationToken.None);

        var changed = await backend.GetChangedRangesAsync(s1, s2, CancellationToken.None);
        using var reader = await backend.OpenSnapshotReaderAsync(s2, CancellationToken.None);
        var allocated = await reader.GetAllocatedRangesAsync(CancellationToken.None);

        // What `rbd diff` says, byte for byte; and never more than the few KiB written.
        var expected = CephTestCluster.Rbd("diff", "--from-snap", "S1", "--format", "json", $"{CephTestCluster.Pool}/{space.Name}/vol1@S2");
        foreach (var range in changed) Assert.Contains($"\"offset\":{range.Offset},\"length\":{range.Length}", expected);
        Assert.True(changed.Sum(r => r.Length) <= 16384, $"{changed.Sum(r => r.Length)} bytes reported changed for 12 KiB of changes: {string.Join(", ", changed)}");
        Assert.Contains(changed, r => r.Offset <= 5000 && r.End >= 5003);
        Assert.Contains(changed, r => r.Offset <= 40L << 20 && r.End >= (40L << 20) + 4096);
        Assert.Contains(changed, r => r.Offset <= 6L << 20 && r.End >= (6L << 20) + 8192);
        // Allocation is known per 4 MiB object: the first 8 MiB and the object written at 40 MiB.
        Assert.Equal(new[] { new ByteRange(0, 8L << 20), new ByteRange(40L << 20, 4L << 20) }, allocated);
    }

    private static string MonitorHosts()
    {
        var line = File.ReadAllLines(CephTestCluster.ConfigFile!).Select(l => l.Trim()).First(l => l.StartsWith("mon host", StringComparison.Ordinal));
        return line[(line.IndexOf('=') + 1)..].Trim();
    }

    private static async Task<IDriverBackend> OpenAsync(string? nameSpace, params (string Key, string Value)[] more)
    {
        CephTestCluster.Require();
        var properties = CephTestCluster.Properties(nameSpace, more);
        Assert.Empty(await Driver.ValidateBackendAsync(properties, CancellationToken.None));
        return await Driver.OpenBackendAsync("test", properties, CancellationToken.None);
    }
}
