using Xunit.Abstractions;
using Xunit.Sdk;

namespace StorageSnapshot.Engine.Tests.Infrastructure;

/// <summary>
/// A fact declared once in an abstract test class (the driver contract suite) whose prerequisites depend on
/// the concrete class that inherits it: the same contract test needs nothing on a temp directory but root and
/// mkfs.xfs on an XFS loop device. An attribute on a method is fixed where the method is declared, so
/// [IntegrationFact] cannot express that; instead this fact's discoverer reads
/// <see cref="IntegrationRequirementsAttribute"/> from the concrete test class (xunit discovers inherited
/// methods per concrete class) and applies exactly the [IntegrationFact] rules: skip with a reason outside CI,
/// run — and fail if the prerequisites are missing — under STORAGESNAPSHOT_INTEGRATION=required.
/// The method's own requirements (<paramref name="needsRoot"/>, <paramref name="tools"/>) add to the class's.
/// </summary>
[XunitTestCaseDiscoverer("StorageSnapshot.Engine.Tests.Infrastructure.ContractFactDiscoverer", "StorageSnapshot.Engine.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class ContractFactAttribute(bool needsRoot = false, params string[] tools) : FactAttribute
{
    /// <summary>Why the test must skip here, or null.</summary>
    public string? RequirementSkipReason { get; } = needsRoot || tools.Length > 0 ? new IntegrationFactAttribute(needsRoot, tools).Skip : null;
}

/// <summary>
/// Prerequisites of every test in a class (typically a driver contract class on a special filesystem, or on the
/// test Ceph cluster: <see cref="NeedsCephCluster"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class IntegrationRequirementsAttribute(bool needsRoot, params string[] tools) : Attribute
{
    /// <summary>The class needs the Ceph cluster of tests/infrastructure/ceph.sh (<see cref="CephTestCluster"/>).</summary>
    public bool NeedsCephCluster { get; set; }

    /// <summary>Why the class's tests must skip here, or null.</summary>
    public string? SkipReason => new IntegrationFactAttribute(needsRoot, tools).Skip ?? (NeedsCephCluster ? CephTestCluster.SkipReason : null);

    /// <summary>The prerequisites in words, for messages.</summary>
    public string Description => string.Join(" and ", new[]
    {
        needsRoot ? "root" : null, tools.Length > 0 ? string.Join(", ", tools) + " on PATH" : null, NeedsCephCluster ? CephTestCluster.Description : null,
    }.OfType<string>());

    /// <summary>Whether the prerequisites are really present (inside a test: with Integration.Require).</summary>
    public bool Available => (!needsRoot || Integration.IsRoot) && tools.All(Integration.HasTool) && (!NeedsCephCluster || CephTestCluster.IsAvailable);
}

/// <summary>Discovers <see cref="ContractFactAttribute"/> methods as <see cref="ClassRequirementsTestCase"/>s.</summary>
public sealed class ContractFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    /// <inheritdoc />
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        yield return new ClassRequirementsTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(),
            discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod);
    }
}

/// <summary>A test case that skips according to its method's and its concrete class's requirements.</summary>
public sealed class ClassRequirementsTestCase : XunitTestCase
{
    /// <summary>For the deserializer only.</summary>
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public ClassRequirementsTestCase()
    {
    }

    /// <summary>Creates the test case.</summary>
    public ClassRequirementsTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay defaultMethodDisplay,
        TestMethodDisplayOptions defaultMethodDisplayOptions, ITestMethod testMethod)
        : base(diagnosticMessageSink, defaultMethodDisplay, defaultMethodDisplayOptions, testMethod)
    {
    }

    /// <inheritdoc />
    protected override string? GetSkipReason(IAttributeInfo factAttribute)
    {
        var own = base.GetSkipReason(factAttribute);
        if (own is not null) return own;
        if ((factAttribute as IReflectionAttributeInfo)?.Attribute is ContractFactAttribute { RequirementSkipReason: { } methodReason })
            return methodReason;
        var classRequirements = TestMethod.TestClass.Class.GetCustomAttributes(typeof(IntegrationRequirementsAttribute))
            .OfType<IReflectionAttributeInfo>()
            .Select(a => a.Attribute)
            .OfType<IntegrationRequirementsAttribute>();
        return classRequirements.Select(r => r.SkipReason).FirstOrDefault(reason => reason is not null);
    }
}
