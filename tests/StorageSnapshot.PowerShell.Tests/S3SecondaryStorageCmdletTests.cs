using System.Diagnostics;
using System.Net.Sockets;
using StorageSnapshot.PowerShell.Tests.Infrastructure;

namespace StorageSnapshot.PowerShell.Tests;

/// <summary>
/// The secondary-storage cmdlets, unchanged, on an S3 storage: the RADOS Gateway of the test cluster
/// (tests/infrastructure/ceph.sh; its `env` exports STORAGESNAPSHOT_S3_*, else the script's defaults). Skipped with the
/// reason when no server answers, failing under STORAGESNAPSHOT_INTEGRATION=required.
/// </summary>
public sealed class S3SecondaryStorageCmdletTests : IDisposable
{
    private readonly string _bucket = $"storagesnapshot-ps-{Guid.NewGuid():N}"[..36];
    private bool _made;

    private static string Endpoint => Env("STORAGESNAPSHOT_S3_ENDPOINT", "http://127.0.0.1:7480");

    private static string AccessKey => Env("STORAGESNAPSHOT_S3_ACCESS_KEY", "STORAGESNAPSHOTTEST0001");

    private static string SecretKey => Env("STORAGESNAPSHOT_S3_SECRET_KEY", "storagesnapshotTestSecretKey000000000001");

    private static string RcloneConfig => Env("STORAGESNAPSHOT_S3_RCLONE_CONF", "/tmp/storagesnapshot-ceph-cluster/rgw/rclone.conf");

    private static string Env(string name, string fallback) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : fallback;

    internal static bool Reachable()
    {
        try
        {
            var uri = new Uri(Endpoint);
            using var client = new TcpClient();
            return client.ConnectAsync(uri.Host, uri.Port).Wait(TimeSpan.FromSeconds(2)) && client.Connected;
        }
        catch (Exception e) when (e is SocketException or AggregateException or UriFormatException)
        {
            return false;
        }
    }

    private void MakeBucket()
    {
        Assert.True(Reachable(), $"STORAGESNAPSHOT_INTEGRATION=required but no S3 server answers at {Endpoint} (bash tests/infrastructure/ceph.sh start)");
        Rclone("mkdir", $"rgw:{_bucket}");
        _made = true;
    }

    private static void Rclone(params string[] arguments)
    {
        var info = new ProcessStartInfo("rclone") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--config", RcloneConfig }.Concat(arguments)) info.ArgumentList.Add(a);
        info.Environment.Remove("AWS_CA_BUNDLE");
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"rclone {string.Join(' ', arguments)}: {error.Result}");
    }

    public void Dispose()
    {
        if (_made) Rclone("purge", $"rgw:{_bucket}");
    }

    private Dictionary<string, object?> Variables() => new()
    {
        ["endpoint"] = Endpoint, ["bucket"] = _bucket, ["accessKey"] = AccessKey, ["secretKey"] = SecretKey,
    };

    [S3CmdletFact]
    public void Every_secondary_cmdlet_works_on_an_S3_storage_and_the_secret_is_never_shown()
    {
        MakeBucket();
        using var session = PowerShellSession.StartWithLab();
        var result = session.Run("""
            $key = [pscredential]::new($accessKey, (ConvertTo-SecureString $secretKey -AsPlainText -Force))
            $s3 = Register-SecondaryStorage offsite -S3 -Endpoint $endpoint -Bucket $bucket -Prefix lab/site1 -Credential $key -ForcePathStyle -ChunkSizeMB 1 -PassThru
            $first = $nightly | Copy-SnapshotToSecondary -Destination offsite
            $later = New-StorageSnapshot -Volume db01 -Name later
            $second = $later | Copy-SnapshotToSecondary -Destination offsite
            $verified = Get-SnapshotCopy -Destination offsite | Test-SnapshotCopy -Source
            $restored = $first | New-StorageVolume -Name db01-from-s3
            $first | Restore-StorageSnapshot -Force
            $shown = (Get-SecondaryStorage offsite | Format-List * | Out-String) + ($s3 | ConvertTo-Json -Depth 4)
            $second | Remove-SnapshotCopy -Force
            [pscustomobject]@{
                Kind = "$($s3.Kind)"; Path = $s3.Path; Chunk = $s3.ChunkSizeBytes
                Copies = @($first.State, $second.State) -join ','
                Verified = @($verified | ForEach-Object Valid) -join ','
                Restored = $restored.Name
                Left = @(Get-SnapshotCopy -Destination offsite).Count
                SecretShown = $shown.Contains($secretKey)
                AccessKeyShown = $shown.Contains($accessKey)
            }
            """, Variables()).ThrowIfFailed();

        var summary = result.Output.Single().Properties;
        Assert.Equal("S3", summary["Kind"].Value);
        Assert.Equal($"{Endpoint}/{_bucket}/lab/site1", summary["Path"].Value);
        Assert.Equal(1 << 20, summary["Chunk"].Value);
        Assert.Equal("Copied,Copied", summary["Copies"].Value);
        Assert.Equal("True,True", summary["Verified"].Value);
        Assert.Equal("db01-from-s3", summary["Restored"].Value);
        Assert.Equal(1, summary["Left"].Value);
        Assert.Equal(false, summary["SecretShown"].Value);
        Assert.Equal(true, summary["AccessKeyShown"].Value);
    }

    [S3CmdletFact]
    public void A_wrong_secret_is_an_error_record_naming_the_storage_never_the_secret_and_registers_nothing()
    {
        MakeBucket();
        using var session = PowerShellSession.Start();
        var result = session.Run("""
            $key = [pscredential]::new($accessKey, (ConvertTo-SecureString 'wrong-secret-key-0000000000000000000000' -AsPlainText -Force))
            Register-SecondaryStorage offsite -S3 -Endpoint $endpoint -Bucket $bucket -Credential $key -ForcePathStyle
            """, Variables());

        var error = Assert.Single(result.Errors);
        Assert.Equal("SecondaryStorageFailed,StorageSnapshot.Commands.RegisterSecondaryStorageCommand", error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
        Assert.Contains(_bucket, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-secret-key", error.ToString() + error.ErrorDetails?.RecommendedAction, StringComparison.Ordinal);
        Assert.Empty(session.Strings("Get-SecondaryStorage"));
    }
}

/// <summary>A fact that needs the S3 test server (see <see cref="S3SecondaryStorageCmdletTests"/>).</summary>
public sealed class S3CmdletFactAttribute : FactAttribute
{
    public S3CmdletFactAttribute()
    {
        if (!string.Equals(Environment.GetEnvironmentVariable("STORAGESNAPSHOT_INTEGRATION"), "required", StringComparison.OrdinalIgnoreCase)
            && !S3SecondaryStorageCmdletTests.Reachable())
        {
            Skip = "needs an S3 server (the RADOS Gateway of `bash tests/infrastructure/ceph.sh start`); set STORAGESNAPSHOT_INTEGRATION=required to make this a failure";
        }
    }
}
