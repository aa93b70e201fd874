using System.Diagnostics;
using System.Net.Sockets;
using Amazon.S3;
using Amazon.S3.Model;
using StorageSnapshot.Engine.Secondary.S3;

namespace StorageSnapshot.Engine.Tests.Infrastructure;

/// <summary>
/// The S3 server the S3 secondary-storage tests run against: the RADOS Gateway of the Ceph test cluster
/// (tests/infrastructure/ceph.sh starts it; `ceph.sh env` exports STORAGESNAPSHOT_S3_*). Without the variables the
/// script's defaults are used (http://127.0.0.1:7480 and its fixed test user), so `bash tests/run.sh` on a machine
/// where the script started the cluster runs these tests with nothing else to set. Each test makes its own bucket.
/// </summary>
public static class S3TestServer
{
    public static string Endpoint => Variable("STORAGESNAPSHOT_S3_ENDPOINT", "http://127.0.0.1:7480");

    public static string AccessKey => Variable("STORAGESNAPSHOT_S3_ACCESS_KEY", "STORAGESNAPSHOTTEST0001");

    public static string SecretKey => Variable("STORAGESNAPSHOT_S3_SECRET_KEY", "storagesnapshotTestSecretKey000000000001");

    public static string Region => Variable("STORAGESNAPSHOT_S3_REGION", "us-east-1");

    /// <summary>rclone's configuration with the remote "rgw" for the test user (written by ceph.sh).</summary>
    public static string RcloneConfig => Variable("STORAGESNAPSHOT_S3_RCLONE_CONF", Path.Combine(CephTestCluster.DefaultDirectory, "rgw", "rclone.conf"));

    private static string Variable(string name, string fallback) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : fallback;

    /// <summary>The prerequisite in words.</summary>
    public const string Description = "an S3 server (the RADOS Gateway of `bash tests/infrastructure/ceph.sh start`)";

    private static readonly Lazy<bool> Reachable = new(() => S3TestTarget.Answers(Endpoint));

    /// <summary>The server answers on its port.</summary>
    public static bool IsAvailable => Reachable.Value;

    /// <summary>Why a test that needs the server skips here, or null (never skipped under STORAGESNAPSHOT_INTEGRATION=required).</summary>
    public static string? SkipReason => Integration.Required || IsAvailable ? null
        : $"needs {Description} at {Endpoint}; set STORAGESNAPSHOT_INTEGRATION=required to make this a failure";

    /// <summary>Fails the test (required) unless the server is there.</summary>
    public static void Require() => Integration.Require(IsAvailable, $"the tests need {Description}; nothing answers at {Endpoint}");

    /// <summary>A client of the test user (path-style), for what tests do behind the store's back.</summary>
    public static AmazonS3Client Client() => new(AccessKey, SecretKey, new AmazonS3Config
    {
        ServiceURL = Endpoint, AuthenticationRegion = Region, ForcePathStyle = true,
        RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = Amazon.Runtime.ResponseChecksumValidation.WHEN_REQUIRED,
    });

    /// <summary>The place of a repository in <paramref name="bucket"/> under <paramref name="prefix"/>, with the test user's key.</summary>
    internal static S3Place Place(string bucket, string prefix = "repo") =>
        S3Place.Parse(S3Place.FormatLocation(Endpoint, bucket, prefix, "test"), Properties(), "test");

    /// <summary>The storage properties of the test user.</summary>
    public static Dictionary<string, string> Properties() => new(StringComparer.OrdinalIgnoreCase)
    {
        [S3Place.AccessKeyIdProperty] = AccessKey,
        [S3Place.SecretAccessKeyProperty] = SecretKey,
        [S3Place.RegionProperty] = Region,
        [S3Place.ForcePathStyleProperty] = "true",
    };

    /// <summary>Runs rclone with the test configuration; fails the test with its output when it fails.</summary>
    public static void Rclone(params string[] arguments)
    {
        var info = new ProcessStartInfo("rclone") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("--config");
        info.ArgumentList.Add(RcloneConfig);
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        // The environment's AWS_CA_BUNDLE makes some S3 clients fail on plain-HTTP endpoints.
        info.Environment.Remove("AWS_CA_BUNDLE");
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"rclone {string.Join(' ', arguments)} failed ({process.ExitCode}): {stdout}{stderr.Result}");
    }
}

/// <summary>
/// One S3 server the store-level tests run against: the RADOS Gateway (<see cref="S3TestServer"/>) or s3rver
/// (tests/infrastructure/s3rver.sh; `s3rver.sh env` exports STORAGESNAPSHOT_S3RVER_ENDPOINT), a second
/// implementation of the protocol so that the store is not only shown to work against Ceph's.
/// </summary>
public sealed class S3TestTarget
{
    private readonly Lazy<bool> _reachable;

    private S3TestTarget(string name, Func<string> endpoint, Func<string> accessKey, Func<string> secretKey, string description)
    {
        Name = name;
        _endpoint = endpoint;
        _accessKey = accessKey;
        _secretKey = secretKey;
        Description = description;
        _reachable = new(() => Answers(Endpoint));
    }

    private readonly Func<string> _endpoint, _accessKey, _secretKey;

    /// <summary>The RADOS Gateway of the Ceph test cluster.</summary>
    public static S3TestTarget Rgw { get; } = new("rgw", () => S3TestServer.Endpoint, () => S3TestServer.AccessKey, () => S3TestServer.SecretKey, S3TestServer.Description);

    /// <summary>s3rver (npm), which takes the fixed key pair it documents (S3RVER/S3RVER).</summary>
    public static S3TestTarget S3rver { get; } = new("s3rver",
        () => Environment.GetEnvironmentVariable("STORAGESNAPSHOT_S3RVER_ENDPOINT") is { Length: > 0 } e ? e : "http://127.0.0.1:24569",
        () => "S3RVER", () => "S3RVER", "s3rver (`bash tests/infrastructure/s3rver.sh start; eval \"$(bash tests/infrastructure/s3rver.sh env)\"`)");

    public string Name { get; }

    public string Endpoint => _endpoint();

    public string AccessKey => _accessKey();

    public string SecretKey => _secretKey();

    public string Description { get; }

    /// <summary>Whether the server refuses a PUT with If-None-Match: * on an existing key (s3rver ignores the header).</summary>
    public bool HonoursConditionalPut => Name == "rgw";

    public override string ToString() => Name;

    internal static bool Answers(string endpoint)
    {
        try
        {
            var uri = new Uri(endpoint);
            using var client = new TcpClient();
            return client.ConnectAsync(uri.Host, uri.Port).Wait(TimeSpan.FromSeconds(2)) && client.Connected;
        }
        catch (Exception e) when (e is SocketException or AggregateException or UriFormatException)
        {
            return false;
        }
    }

    public bool IsAvailable => _reachable.Value;

    /// <summary>Why a test that needs this server skips here, or null (never skipped under STORAGESNAPSHOT_INTEGRATION=required).</summary>
    public string? SkipReason => Integration.Required || IsAvailable ? null
        : $"needs {Description} at {Endpoint}; set STORAGESNAPSHOT_INTEGRATION=required to make this a failure";

    public void Require() => Integration.Require(IsAvailable, $"the tests need {Description}; nothing answers at {Endpoint}");

    /// <summary>A client of the test user (path-style), for what tests do behind the store's back.</summary>
    public AmazonS3Client Client() => new(AccessKey, SecretKey, new AmazonS3Config
    {
        ServiceURL = Endpoint, AuthenticationRegion = S3TestServer.Region, ForcePathStyle = true,
        RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = Amazon.Runtime.ResponseChecksumValidation.WHEN_REQUIRED,
    });

    internal S3Place Place(string bucket, string prefix = "repo") =>
        S3Place.Parse(S3Place.FormatLocation(Endpoint, bucket, prefix, "test"), Properties(), "test");

    public Dictionary<string, string> Properties() => new(StringComparer.OrdinalIgnoreCase)
    {
        [S3Place.AccessKeyIdProperty] = AccessKey,
        [S3Place.SecretAccessKeyProperty] = SecretKey,
        [S3Place.RegionProperty] = S3TestServer.Region,
        [S3Place.ForcePathStyleProperty] = "true",
    };
}

/// <summary>A bucket of its own for one test, emptied and deleted on dispose.</summary>
public sealed class S3TestBucket : IAsyncDisposable
{
    private readonly S3TestTarget _target;

    private S3TestBucket(string name, S3TestTarget target) => (Name, _target) = (name, target);

    public string Name { get; }

    public static async Task<S3TestBucket> CreateAsync(S3TestTarget? target = null)
    {
        target ??= S3TestTarget.Rgw;
        target.Require();
        var bucket = new S3TestBucket($"storagesnapshot-test-{Guid.NewGuid():N}"[..40], target);
        using var client = target.Client();
        await client.PutBucketAsync(bucket.Name);
        return bucket;
    }

    /// <summary>Every key in the bucket.</summary>
    public async Task<List<S3Object>> ObjectsAsync(string prefix = "")
    {
        using var client = _target.Client();
        var all = new List<S3Object>();
        var request = new ListObjectsV2Request { BucketName = Name, Prefix = prefix };
        ListObjectsV2Response response;
        do
        {
            response = await client.ListObjectsV2Async(request);
            all.AddRange(response.S3Objects ?? []);
            request.ContinuationToken = response.NextContinuationToken;
        }
        while (response.IsTruncated == true);
        return all;
    }

    public async ValueTask DisposeAsync()
    {
        using var client = _target.Client();
        try
        {
            foreach (var o in await ObjectsAsync()) await client.DeleteObjectAsync(Name, o.Key);
            await client.DeleteBucketAsync(Name);
        }
        catch (AmazonS3Exception)
        {
            // A bucket left behind on a throw-away test cluster; never fail a test over it.
        }
    }
}

/// <summary>A fact that needs the S3 test server: skipped with the reason outside CI, failing under STORAGESNAPSHOT_INTEGRATION=required.</summary>
public sealed class S3FactAttribute : FactAttribute
{
    public S3FactAttribute()
    {
        Skip = S3TestServer.SkipReason;
    }
}

/// <summary>A fact that needs s3rver (tests/infrastructure/s3rver.sh): skipped with the reason outside CI, failing under STORAGESNAPSHOT_INTEGRATION=required.</summary>
public sealed class S3rverFactAttribute : FactAttribute
{
    public S3rverFactAttribute()
    {
        Skip = S3TestTarget.S3rver.SkipReason;
    }
}
