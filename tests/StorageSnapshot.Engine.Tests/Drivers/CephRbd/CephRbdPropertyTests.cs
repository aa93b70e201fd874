using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Drivers.CephRbd;

namespace StorageSnapshot.Engine.Tests.Drivers.CephRbd;

/// <summary>The ceph-rbd property schema and the checks that need no cluster: they run everywhere.</summary>
public sealed class CephRbdPropertyTests
{
    private static readonly CephRbdDriver Driver = new();

    private static PropertyValidationResult Normalize(params (string Key, object? Value)[] given) =>
        Driver.Descriptor.Schema.Normalize(given.ToDictionary(p => p.Key, p => p.Value));

    [Fact]
    public void Pool_is_required_and_every_bad_value_is_named_at_once()
    {
        var result = Normalize(
            ("Namespace", "a/b"), ("User", "bad user"), ("TimeoutSeconds", 0), ("CloneFormat", "3"), ("MonitorHosts", "mon1;$(rm -rf)"), ("Key", "not base64!"));

        Assert.False(result.IsValid);
        Assert.Contains(result.Problems, p => p.Contains("'Pool' is required"));
        Assert.Contains(result.Problems, p => p.Contains("'Namespace'") && p.Contains("'/'"));
        Assert.Contains(result.Problems, p => p.Contains("'User'") && p.Contains("not a cephx user id"));
        Assert.Contains(result.Problems, p => p.Contains("'TimeoutSeconds'") && p.Contains("between 1 and 3600"));
        Assert.Contains(result.Problems, p => p.Contains("'CloneFormat'") && p.Contains("'auto', '1' or '2'"));
        Assert.Contains(result.Problems, p => p.Contains("'MonitorHosts'"));
        Assert.Contains(result.Problems, p => p.Contains("'Key'") && p.Contains("base64"));
        Assert.DoesNotContain(result.Problems, p => p.Contains("not base64!"));
        Assert.Equal(7, result.Problems.Count);
    }

    [Fact]
    public void Defaults_and_canonical_spellings()
    {
        var result = Normalize(("pool", "rbd"), ("user", "client.cinder"), ("cloneformat", "AUTO"), ("ConfigFile", "/etc/ceph/ceph.conf"));

        Assert.True(result.IsValid, string.Join(" ", result.Problems));
        var values = result.Values!;
        Assert.Equal("rbd", values["Pool"]);
        Assert.Equal("cinder", values["User"]);
        Assert.Equal("auto", values["CloneFormat"]);
        Assert.Equal("60", values["TimeoutSeconds"]);
        Assert.False(values.ContainsKey("Namespace"));
    }

    [Fact]
    public void The_key_is_a_secret_filled_by_the_credential_and_the_pool_and_namespace_locate_the_data()
    {
        var schema = Driver.Descriptor.Schema;
        Assert.True(schema.IsSecret("Key"));
        Assert.Equal("Key", schema.CredentialProperty(CredentialPart.Password)!.Name);
        Assert.Equal("User", schema.CredentialProperty(CredentialPart.UserName)!.Name);
        Assert.Equal(new[] { "Pool", "Namespace" }, schema.Properties.Where(p => p.LocatesData).Select(p => p.Name));
        Assert.Equal("********", schema.Redact(new Dictionary<string, string> { ["Key"] = "AQBsecret==" })["Key"]);
    }

    [Fact]
    public void The_data_location_is_the_pool_and_namespace()
    {
        Assert.Equal("rbd:rbd", Driver.DataLocation(new Dictionary<string, string> { ["Pool"] = "rbd" }));
        Assert.Equal("rbd:rbd/tenant1", Driver.DataLocation(new Dictionary<string, string> { ["Pool"] = "rbd", ["Namespace"] = "tenant1" }));
        Assert.True(DataLocations.Overlap("rbd:rbd", "rbd:rbd/tenant1"));
        Assert.False(DataLocations.Overlap("rbd:rbd/tenant1", "rbd:rbd/tenant2"));
        Assert.False(DataLocations.Overlap("rbd:rbd", "rbd:rbd-data"));
    }

    [Fact]
    public async Task Combinations_are_refused_before_anything_is_contacted()
    {
        var problems = await Driver.ValidateBackendAsync(new Dictionary<string, string>
        {
            ["Pool"] = "rbd", ["User"] = "admin", ["Key"] = "AQBv3WBnAAAAABAAkeBJ3dB6uGxHM8Wqs9XpZg==", ["Keyring"] = "/nonexistent/keyring", ["TimeoutSeconds"] = "5",
        }, CancellationToken.None);

        Assert.Contains(problems, p => p.Contains("Give 'ConfigFile'") && p.Contains("'MonitorHosts'"));
        Assert.Contains(problems, p => p.Contains("Give 'Keyring' or 'Key', not both"));
        Assert.Contains(problems, p => p.Contains("The Keyring '/nonexistent/keyring' does not exist."));
        Assert.Equal(3, problems.Count);
    }

    [Fact]
    public async Task A_missing_config_file_is_named()
    {
        var problems = await Driver.ValidateBackendAsync(new Dictionary<string, string>
        {
            ["Pool"] = "rbd", ["User"] = "admin", ["ConfigFile"] = "/nonexistent/ceph.conf", ["TimeoutSeconds"] = "5",
        }, CancellationToken.None);

        Assert.Equal(new[] { "The ConfigFile '/nonexistent/ceph.conf' does not exist." }, problems);
    }

    [Theory]
    [InlineData("img", "img")]
    [InlineData("vol-1.data", "vol-1.data")]
    public void Volume_references_are_image_names(string reference, string image) =>
        Assert.Equal(image, Locations.ImageOf(new DriverObject { Reference = reference, Location = "x" }));

    [Theory]
    [InlineData("")]
    [InlineData("img@snap")]
    [InlineData("pool/img")]
    public void What_is_no_volume_reference_is_refused(string reference) =>
        Assert.Throws<ArgumentException>(() => Locations.ImageOf(new DriverObject { Reference = reference, Location = "x" }));

    [Theory]
    [InlineData("img")]
    [InlineData("img@")]
    [InlineData("@snap")]
    [InlineData("a@b@c")]
    [InlineData("pool/img@snap")]
    public void What_is_no_snapshot_reference_is_refused(string reference) =>
        Assert.Throws<ArgumentException>(() => Locations.SnapshotOf(new DriverObject { Reference = reference, Location = "x" }));

    [Fact]
    public void Sizes_are_written_for_people()
    {
        Assert.Equal("100 bytes", PoolCapacity.Size(100));
        Assert.Equal("1.5 GiB", PoolCapacity.Size(3L << 29));
        Assert.Equal("512 MiB", PoolCapacity.Size(512L << 20));
    }

    [Fact]
    public void Errors_name_the_call_the_object_and_the_meaning()
    {
        var error = CephError.From(CephError.ENOENT, "rbd_open", "rbd:rbd/ns/db01", "admin");

        Assert.Equal(CephError.ENOENT, error.Errno);
        Assert.Contains("rbd_open (rbd:rbd/ns/db01) failed: ENOENT", error.Message);
        Assert.Contains("removed outside StorageSnapshot", error.Message);
        Assert.Contains("client.admin", CephError.From(CephError.EACCES, "rbd_create4", "x", "admin").Message);
        Assert.Contains("did not answer in time", CephError.From(CephError.ETIMEDOUT, "rbd_aio_read2", "x").Message);
    }

    [Fact]
    public async Task A_call_that_neither_returns_nor_progresses_fails_saying_it_is_still_running()
    {
        using var release = new ManualResetEventSlim();
        var started = DateTime.UtcNow;

        var error = await Assert.ThrowsAsync<CephException>(() =>
            BlockingCall.RunAsync(() => { release.Wait(); return 0; }, "rbd_snap_create of rbd:p/img@s", TimeSpan.FromMilliseconds(100), CancellationToken.None));

        release.Set();
        Assert.Equal(CephError.ETIMEDOUT, error.Errno);
        Assert.Contains("rbd_snap_create of rbd:p/img@s has not answered for", error.Message);
        Assert.Contains("still running in the background", error.Message);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_call_that_reports_progress_is_not_stopped_by_the_limit()
    {
        var result = await BlockingCall.RunAsync(progress =>
        {
            // 5.1 s of quiet would end it (limit 0.1 s + 5 s margin); 7 s with a report every 0.5 s must not.
            for (var i = 0; i < 14; i++)
            {
                Thread.Sleep(500);
                progress.Report((ulong)i, 14);
            }
            return 42;
        }, "rbd_snap_rollback", TimeSpan.FromMilliseconds(100), CancellationToken.None);

        Assert.Equal(42, result);
    }

    [Fact]
    public async Task A_cancelled_call_does_not_start()
    {
        var ran = false;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            BlockingCall.RunAsync(() => { ran = true; return 0; }, "x", TimeSpan.FromSeconds(1), new CancellationToken(canceled: true)));
        Assert.False(ran);
    }
}
