using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Drivers.CephRbd;
using StorageSnapshot.Drivers.Testing;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Drivers.CephRbd;

/// <summary>
/// The driver contract on a real Ceph cluster (tests/infrastructure/ceph.sh), each test in a fresh RBD namespace.
/// CloneFormat auto: on the test cluster (require-min-compat-client luminous, as a new Pacific cluster has it) that
/// is clone format 1, so clones protect their parent snapshot.
/// </summary>
[IntegrationRequirements(needsRoot: false, NeedsCephCluster = true)]
public class CephRbdContractTests : DriverContractTests
{
    private CephTestNamespace? space;

    /// <summary>Properties added to the namespace's (the subclass's variations).</summary>
    protected virtual (string Key, string Value)[] MoreProperties => Array.Empty<(string, string)>();

    /// <summary>The namespace this test's backend lives in.</summary>
    protected CephTestNamespace Space => space ?? throw new InvalidOperationException("No namespace yet.");

    /// <inheritdoc />
    protected override async Task<IDriverBackend> CreateBackendAsync()
    {
        space = await CephTestNamespace.CreateAsync("contract");
        var properties = CephTestCluster.Properties(space.Name, MoreProperties);
        var driver = new CephRbdDriver();
        Assert.Empty(await driver.ValidateBackendAsync(properties, CancellationToken.None));
        return await driver.OpenBackendAsync("test", properties, CancellationToken.None);
    }

    /// <inheritdoc />
    protected override Task DestroyBackendStorageAsync()
    {
        space?.Dispose();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>An rbd: Location is read with the rbd command (a second opinion: not through the driver).</remarks>
    protected override Task AssertLocationHoldsAsync(DriverObject image, byte[] expected)
    {
        Assert.StartsWith($"rbd:{CephTestCluster.Pool}/{Space.Name}/", image.Location);
        var file = Path.Combine(Path.GetTempPath(), $"storagesnapshot-rbd-export-{Guid.NewGuid():N}");
        try
        {
            CephTestCluster.Rbd("export", "--no-progress", image.Location["rbd:".Length..], file);
            Assert.Equal(expected, File.ReadAllBytes(file));
        }
        finally
        {
            File.Delete(file);
        }
        return Task.CompletedTask;
    }
}

/// <summary>
/// The contract again with clone format 2 (no protected snapshots) and a data pool: images keep their metadata in the
/// pool and their data in STORAGESNAPSHOT_CEPH_DATA_POOL.
/// </summary>
[IntegrationRequirements(needsRoot: false, NeedsCephCluster = true)]
public sealed class CephRbdCloneFormat2ContractTests : CephRbdContractTests
{
    /// <inheritdoc />
    protected override (string Key, string Value)[] MoreProperties => new[]
    {
        (CephRbdSettings.CloneFormatProperty, "2"),
        (CephRbdSettings.DataPoolProperty, CephTestCluster.DataPool),
    };
}
