using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Completion;

namespace StorageSnapshot.Commands;

/// <summary>Get-StorageBackend: the registered backends.</summary>
[Cmdlet(VerbsCommon.Get, "StorageBackend", HelpUri = HelpLinks.Base + "Get-StorageBackend.md")]
[OutputType(typeof(Backend))]
public sealed class GetStorageBackendCommand : StorageSnapshotCmdlet
{
    /// <summary>Backend names; wildcards allowed. All backends when omitted.</summary>
    /// <remarks>
    /// Not bound from the pipeline: every object of this module has a Name, and a backend lookup by another
    /// object's name would be a surprise.
    /// </remarks>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(BackendNameCompleter))]
    public string[]? Name { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (TryRun((engine, context) => engine.GetBackendsAsync(Name, context), Name, out var backends))
        {
            foreach (var backend in backends) WriteObject(backend);
        }
    }
}
