using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;

namespace StorageSnapshot.Commands;

/// <summary>Get-StorageDriver: the storage drivers this module has, with their capabilities and property schema.</summary>
[Cmdlet(VerbsCommon.Get, "StorageDriver", HelpUri = HelpLinks.Base + "Get-StorageDriver.md")]
[OutputType(typeof(DriverInfo))]
public sealed class GetStorageDriverCommand : StorageSnapshotCmdlet
{
    /// <summary>Driver names; wildcards allowed. All drivers when omitted.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(DriverNameCompleter))]
    public string[]? Name { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (TryRun((engine, context) => Task.FromResult(engine.GetDrivers(Name, context)), Name, out var drivers))
        {
            foreach (var driver in drivers) WriteObject(driver);
        }
    }
}
