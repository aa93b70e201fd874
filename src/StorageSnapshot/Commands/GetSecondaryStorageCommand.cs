using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;

namespace StorageSnapshot.Commands;

/// <summary>Get-SecondaryStorage: the registered copy destinations.</summary>
[Cmdlet(VerbsCommon.Get, "SecondaryStorage", HelpUri = HelpLinks.Base + "Get-SecondaryStorage.md")]
[OutputType(typeof(SecondaryStorage))]
public sealed class GetSecondaryStorageCommand : StorageSnapshotCmdlet
{
    /// <summary>Secondary storage names; wildcards allowed. All when omitted.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SecondaryStorageNameCompleter))]
    public string[]? Name { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (TryRun((engine, context) => engine.GetSecondaryStoragesAsync(Name, context), Name, out var storages))
        {
            foreach (var storage in storages) WriteObject(storage);
        }
    }
}
