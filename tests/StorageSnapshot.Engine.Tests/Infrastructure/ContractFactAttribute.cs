using StorageSnapshot.Drivers.Testing;

namespace StorageSnapshot.Engine.Tests.Infrastructure;

/// <summary>
/// The contract suite's fact (<see cref="DriverContractFactAttribute"/>, in src/StorageSnapshot.Drivers.Testing) for
/// this project's own driver test classes, with requirements of the method itself in the [IntegrationFact] terms:
/// skip with a reason outside CI, run — and fail if the prerequisites are missing — under
/// STORAGESNAPSHOT_INTEGRATION=required. The method's requirements (<paramref name="needsRoot"/>,
/// <paramref name="tools"/>) add to its class's <see cref="IntegrationRequirementsAttribute"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ContractFactAttribute(bool needsRoot = false, params string[] tools) : DriverContractFactAttribute
{
    /// <inheritdoc />
    public override string? RequirementSkipReason { get; } = needsRoot || tools.Length > 0 ? new IntegrationFactAttribute(needsRoot, tools).Skip : null;
}

/// <summary>
/// Prerequisites of every test in a class (typically a driver contract class on a special filesystem, or on the
/// test Ceph cluster: <see cref="NeedsCephCluster"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class IntegrationRequirementsAttribute(bool needsRoot, params string[] tools) : Attribute, IDriverContractRequirements
{
    /// <summary>The class needs the Ceph cluster of tests/infrastructure/ceph.sh (<see cref="CephTestCluster"/>).</summary>
    public bool NeedsCephCluster { get; set; }

    /// <summary>The class needs the PostgreSQL server of tests/infrastructure/postgres.sh (<see cref="PostgresTestServer"/>).</summary>
    public bool NeedsPostgres { get; set; }

    /// <summary>Why the class's tests must skip here, or null.</summary>
    public string? SkipReason => new IntegrationFactAttribute(needsRoot, tools).Skip ?? (NeedsCephCluster ? CephTestCluster.SkipReason : null)
                                 ?? (NeedsPostgres ? PostgresTestServer.SkipReason : null);

    /// <summary>The prerequisites in words, for messages.</summary>
    public string Description => string.Join(" and ", new[]
    {
        needsRoot ? "root" : null, tools.Length > 0 ? string.Join(", ", tools) + " on PATH" : null, NeedsCephCluster ? CephTestCluster.Description : null,
        NeedsPostgres ? PostgresTestServer.Description : null,
    }.OfType<string>());

    /// <summary>Whether the prerequisites are really present (inside a test: with Integration.Require).</summary>
    public bool Available => (!needsRoot || Integration.IsRoot) && tools.All(Integration.HasTool) && (!NeedsCephCluster || CephTestCluster.IsAvailable)
                             && (!NeedsPostgres || PostgresTestServer.IsAvailable);
}
