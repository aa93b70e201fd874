using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace StorageSnapshot.Drivers.Testing;

/// <summary>
/// A fact declared once in the abstract contract suite whose prerequisites depend on the concrete class that
/// inherits it: the same contract test needs nothing on a temp directory but root and mkfs.xfs on an XFS loop
/// device, or a running cluster. An attribute on a method is fixed where the method is declared, so instead this
/// fact's discoverer reads the <see cref="IDriverContractRequirements"/> attributes of the concrete test class (xunit
/// discovers inherited methods per concrete class) and skips with their reason. A derived attribute may add
/// requirements of the method itself (<see cref="RequirementSkipReason"/>).
/// </summary>
[XunitTestCaseDiscoverer("StorageSnapshot.Drivers.Testing.DriverContractFactDiscoverer", "StorageSnapshot.Drivers.Testing")]
[AttributeUsage(AttributeTargets.Method)]
public class DriverContractFactAttribute : FactAttribute
{
    /// <summary>Why this method must skip here whatever its class says, or null.</summary>
    public virtual string? RequirementSkipReason => null;
}

/// <summary>
/// Prerequisites of every test in a concrete contract class (a filesystem, root, a cluster). <see cref="SkipReason"/>
/// skips the class's tests; a test that is not skipped but finds <see cref="Available"/> false fails with
/// <see cref="Description"/> (how a CI run that requires every integration test says what is missing).
/// </summary>
public interface IDriverContractRequirements
{
    /// <summary>Why the class's tests must skip here, or null to run them.</summary>
    string? SkipReason { get; }

    /// <summary>The prerequisites in words, for messages.</summary>
    string Description { get; }

    /// <summary>Whether the prerequisites are really present.</summary>
    bool Available { get; }
}

/// <summary>Discovers <see cref="DriverContractFactAttribute"/> methods as <see cref="ClassRequirementsTestCase"/>s.</summary>
public sealed class DriverContractFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
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
        if ((factAttribute as IReflectionAttributeInfo)?.Attribute is DriverContractFactAttribute { RequirementSkipReason: { } methodReason })
            return methodReason;
        return DriverContractRequirements.Of(TestMethod.TestClass.Class.ToRuntimeType())
            .Select(r => r.SkipReason).FirstOrDefault(reason => reason is not null);
    }
}

/// <summary>Reads a concrete class's requirement attributes.</summary>
internal static class DriverContractRequirements
{
    public static IEnumerable<IDriverContractRequirements> Of(Type? testClass) =>
        testClass is null ? [] : testClass.GetCustomAttributes(inherit: true).OfType<IDriverContractRequirements>();
}
