using System.Collections;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands.Completion;

/// <summary>Completes secondary storage names (-Destination, -Name of the SecondaryStorage cmdlets).</summary>
public sealed class SecondaryStorageNameCompleter : InventoryNameCompleter
{
    private protected override Task<IReadOnlyList<string>> ListNamesAsync(InventoryNames names, string prefix, IDictionary boundParameters,
        CancellationToken cancellationToken) =>
        names.SecondaryStorageNamesAsync(prefix, Limit, cancellationToken);
}
