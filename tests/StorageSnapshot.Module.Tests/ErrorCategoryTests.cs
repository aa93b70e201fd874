using StorageSnapshot.Module.Tests.Infrastructure;

namespace StorageSnapshot.Module.Tests;

/// <summary>
/// The cmdlets map an engine error's ErrorKind to PowerShell's ErrorCategory by member name (the engine does not
/// reference PowerShell), falling back to NotSpecified when a name has no match. A kind renamed or added without
/// its PowerShell twin would silently lose its category; this reads both enums and compares them.
/// </summary>
public sealed class ErrorCategoryTests
{
    [Fact]
    public void Every_ErrorKind_names_an_ErrorCategory()
    {
        var kinds = BuiltModule.LoadEnumNames("StorageSnapshot.ErrorKind", "StorageSnapshot.Abstractions");
        var categories = BuiltModule.LoadEnumNames("System.Management.Automation.ErrorCategory", "System.Management.Automation");

        Assert.NotEmpty(kinds);
        Assert.Empty(kinds.Except(categories, StringComparer.Ordinal));
    }
}
