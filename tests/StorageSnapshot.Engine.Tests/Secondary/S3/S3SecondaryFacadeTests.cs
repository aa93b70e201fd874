using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Secondary.Repository;
using StorageSnapshot.Engine.Tests.Infrastructure;
using StorageSnapshot.Engine.Tests.Orchestration;

namespace StorageSnapshot.Engine.Tests.Secondary.S3;

/// <summary>
/// Every secondary-storage use case through the façade on an S3 destination (the RADOS Gateway of the test cluster):
/// what the cmdlets do, unchanged, with a real inventory, the directory driver and a bucket of the test's own.
/// </summary>
[Trait(InventoryKinds.Trait, InventoryKinds.Each)]
public sealed class S3SecondaryFacadeTests : IAsyncLifetime
{
    private const long VolumeSize = 3L << 20;
    private EngineTestBed _bed = null!;
    private S3TestBucket? _bucket;

    public async Task InitializeAsync()
    {
        _bed = await EngineTestBed.CreateAsync();
        if (S3TestServer.SkipReason is null) _bucket = await S3TestBucket.CreateAsync();
    }

    public async Task DisposeAsync()
    {
        await _bed.DisposeAsync();
        if (_bucket is not null) await _bucket.DisposeAsync();
    }

    private StorageSnapshotEngine Engine => _bed.Engine;

    private S3TestBucket Bucket => _bucket!;

    private RegisterSecondaryStorageRequest S3Request(string name = "s3", string prefix = "backups/lab", IReadOnlyDictionary<string, string>? properties = null,
        string? endpoint = null, string? bucket = null) =>
        new(name, "")
        {
            Kind = SecondaryStorageKind.S3,
            Endpoint = endpoint ?? S3TestServer.Endpoint,
            Bucket = bucket ?? Bucket.Name,
            Prefix = prefix,
            Properties = properties ?? S3TestServer.Properties(),
            ChunkSizeBytes = 256 << 10,
        };

    private async Task<(Volume Volume, Snapshot Snapshot, byte[] Data)> VolumeWithSnapshotAsync(string name = "db01")
    {
        var volume = await _bed.NewVolumeAsync(name, VolumeSize);
        var data = new byte[VolumeSize - 12345];
        new Random(name.Length).NextBytes(data);
        EngineTestBed.Write(volume, 0, data);
        var snapshot = await _bed.NewSnapshotAsync(name, "nightly");
        return (volume, snapshot, EngineTestBed.Read(snapshot.Location!, 0, (int)VolumeSize));
    }

    private Task<SnapshotCopy?> CopyAsync(Snapshot snapshot, bool full = false) =>
        Engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(SnapshotSelector.Of(snapshot), "s3", full), OperationContext.Unattended());

    [S3Fact]
    public async Task Register_copy_full_and_incremental_list_test_restore_both_ways_and_remove_with_collection()
    {
        var storage = await Engine.RegisterSecondaryStorageAsync(S3Request(), OperationContext.Unattended());
        var (volume, first, data) = await VolumeWithSnapshotAsync();

        var full = await CopyAsync(first);
        EngineTestBed.Write(volume, 1 << 20, [1, 2, 3]);
        var second = await _bed.NewSnapshotAsync("db01", "later");
        var incremental = await CopyAsync(second);
        var listed = await Engine.GetSnapshotCopiesAsync(new CopyFilter { Destinations = ["s3"] }, OperationContext.Unattended());
        var verification = await Engine.TestSnapshotCopyAsync(incremental!.Id, compareWithSource: true, OperationContext.Unattended());
        var restoredNew = await Engine.NewVolumeFromCopyAsync(new NewVolumeFromCopyRequest("db01-restored", full!.Id), OperationContext.Unattended());
        EngineTestBed.Write(volume, 0, new byte[4096]);
        await Engine.RestoreSnapshotFromCopyAsync(full.Id, OperationContext.Unattended());

        Assert.Equal(SecondaryStorageKind.S3, storage!.Kind);
        Assert.Equal($"{S3TestServer.Endpoint}/{Bucket.Name}/backups/lab", storage.Path);
        Assert.Equal((CopyState.Copied, CopyState.Copied), (full.State, incremental.State));
        Assert.Equal(256L << 10, incremental.BytesChanged);
        Assert.True(incremental.BytesWritten < 300_000, $"the incremental copy wrote {incremental.BytesWritten} bytes for a 3-byte change");
        Assert.Equal(2, listed.Count);
        Assert.True(verification.Valid, string.Join("; ", verification.Mismatches));
        Assert.Equal(data, EngineTestBed.Read(restoredNew!.Location!, 0, (int)VolumeSize));
        Assert.Equal(data, EngineTestBed.Read(volume.Location!, 0, (int)VolumeSize));
        var keys = (await Bucket.ObjectsAsync()).Select(o => o.Key).ToList();
        Assert.Contains("backups/lab/repository.json", keys);
        Assert.Contains($"backups/lab/manifests/{full.Id}.manifest", keys);
        Assert.DoesNotContain(keys, k => k.StartsWith("backups/lab/intents/", StringComparison.Ordinal));

        Assert.True(await Engine.RemoveSnapshotCopyAsync(incremental.Id, OperationContext.Unattended(), gracePeriod: TimeSpan.Zero));
        Assert.True(await Engine.RemoveSnapshotCopyAsync(full.Id, OperationContext.Unattended(), gracePeriod: TimeSpan.Zero));
        Assert.Empty(await Engine.GetSnapshotCopiesAsync(new CopyFilter(), OperationContext.Unattended()));
        Assert.Equal(["backups/lab/repository.json"], (await Bucket.ObjectsAsync()).Select(o => o.Key));
    }

    [S3Fact]
    public async Task The_secret_key_is_stored_protected_and_never_shown_and_a_second_engine_opens_the_storage()
    {
        await Engine.RegisterSecondaryStorageAsync(S3Request(), OperationContext.Unattended());
        var (_, snapshot, _) = await VolumeWithSnapshotAsync();
        await CopyAsync(snapshot);
        await _bed.ReopenAsync();

        var storage = Assert.Single(await Engine.GetSecondaryStoragesAsync(null, OperationContext.Unattended()));
        var copy = Assert.Single(await Engine.GetSnapshotCopiesAsync(new CopyFilter(), OperationContext.Unattended()));
        var verification = await Engine.TestSnapshotCopyAsync(copy.Id, compareWithSource: false, OperationContext.Unattended());

        Assert.True(verification.Valid);
        Assert.Equal(S3TestServer.AccessKey, storage.Properties["AccessKeyId"]);
        Assert.StartsWith("storagesnapshot-secret:v1:", storage.Properties["SecretAccessKey"], StringComparison.Ordinal);
        Assert.DoesNotContain(S3TestServer.SecretKey, storage.ToString(), StringComparison.Ordinal);
        var events = await Engine.FindEventsAsync(new EventFilter(), OperationContext.Unattended());
        Assert.DoesNotContain(events, e => (e.Message ?? "").Contains(S3TestServer.SecretKey, StringComparison.Ordinal));
        foreach (var file in Directory.EnumerateFiles(_bed.Home, "inventory.db*"))
        {
            Assert.DoesNotContain(S3TestServer.SecretKey, System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(file)), StringComparison.Ordinal);
        }
    }

    [S3Fact]
    public async Task Bad_credentials_a_missing_bucket_and_a_dead_endpoint_are_clear_errors_naming_the_storage_and_register_nothing()
    {
        var wrong = S3TestServer.Properties();
        wrong["SecretAccessKey"] = "not-the-secret-0000000000000000000000000";

        var badKey = await Assert.ThrowsAsync<StorageSnapshotException>(() => Engine.RegisterSecondaryStorageAsync(S3Request(properties: wrong), OperationContext.Unattended()));
        var noBucket = await Assert.ThrowsAsync<StorageSnapshotException>(() => Engine.RegisterSecondaryStorageAsync(S3Request(bucket: "storagesnapshot-no-such-bucket"), OperationContext.Unattended()));
        var down = await Assert.ThrowsAsync<StorageSnapshotException>(() => Engine.RegisterSecondaryStorageAsync(S3Request(endpoint: "http://127.0.0.1:9"), OperationContext.Unattended()));
        var halfKey = S3TestServer.Properties();
        halfKey.Remove("SecretAccessKey");
        var invalid = await Assert.ThrowsAsync<ValidationException>(() => Engine.RegisterSecondaryStorageAsync(S3Request(properties: halfKey), OperationContext.Unattended()));

        Assert.Equal((ErrorIds.SecondaryStorageFailed, ErrorKind.PermissionDenied), (badKey.ErrorId, badKey.Kind));
        Assert.Contains(Bucket.Name, badKey.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-secret", badKey.Message + badKey.RecommendedAction, StringComparison.Ordinal);
        Assert.Equal((ErrorIds.SecondaryStorageFailed, ErrorKind.ObjectNotFound), (noBucket.ErrorId, noBucket.Kind));
        Assert.Contains("storagesnapshot-no-such-bucket", noBucket.Message, StringComparison.Ordinal);
        Assert.Equal((ErrorIds.SecondaryStorageFailed, ErrorKind.ResourceUnavailable), (down.ErrorId, down.Kind));
        Assert.Contains("127.0.0.1:9", down.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorIds.PropertyValidationFailed, invalid.ErrorId);
        Assert.Empty(await Engine.GetSecondaryStoragesAsync(null, OperationContext.Unattended()));
        Assert.Empty(await Bucket.ObjectsAsync());
    }

    [S3Fact]
    public async Task A_copy_to_a_storage_whose_key_was_revoked_fails_clearly_with_nothing_committed()
    {
        var wrong = S3TestServer.Properties();
        await Engine.RegisterSecondaryStorageAsync(S3Request(), OperationContext.Unattended());
        var (_, snapshot, _) = await VolumeWithSnapshotAsync();
        // The bucket goes away (or the key is revoked) after registration: the copy fails, the record says Failed.
        using (var client = S3TestServer.Client())
        {
            foreach (var o in await Bucket.ObjectsAsync()) await client.DeleteObjectAsync(Bucket.Name, o.Key);
            await client.DeleteBucketAsync(Bucket.Name);
        }

        var error = await Assert.ThrowsAsync<StorageSnapshotException>(() => CopyAsync(snapshot));
        var copies = await Engine.GetSnapshotCopiesAsync(new CopyFilter(), OperationContext.Unattended());

        Assert.Equal(ErrorIds.SecondaryStorageFailed, error.ErrorId);
        Assert.Contains(Bucket.Name, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(copies, c => c.State == CopyState.Copied);
        _ = wrong;
        using (var client = S3TestServer.Client()) await client.PutBucketAsync(Bucket.Name); // for the fixture's clean-up
    }

    [S3Fact]
    public async Task A_prefix_that_holds_other_objects_is_refused_and_two_names_for_one_place_are_refused()
    {
        using (var client = S3TestServer.Client())
        {
            await client.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = Bucket.Name, Key = "other/readme.txt", ContentBody = "not a repository" });
        }

        var foreign = await Assert.ThrowsAsync<ValidationException>(() => Engine.RegisterSecondaryStorageAsync(S3Request(prefix: "other"), OperationContext.Unattended()));
        await Engine.RegisterSecondaryStorageAsync(S3Request(prefix: "/repo/"), OperationContext.Unattended());
        var twice = await Assert.ThrowsAsync<ConflictException>(() => Engine.RegisterSecondaryStorageAsync(S3Request(name: "again", prefix: "repo"), OperationContext.Unattended()));

        Assert.Contains("other/readme.txt", foreign.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorIds.AlreadyExists, twice.ErrorId);
    }
}
