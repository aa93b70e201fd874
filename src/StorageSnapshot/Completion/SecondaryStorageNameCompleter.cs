using System.Collections;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands.Completion;

/// <summary>Completes secondary storage names (-Destination, -Name of the SecondaryStorage cmdlets).</summary>
public sealed class SecondaryStorageNameCompleter : InventoryNameCompleter
{
    private protected override async Task<IEnumerable<string>> ListNamesAsync(StorageSnapshotEngine engine, IDictionary boundParameters,
        OperationContext context) =>
        (await engine.GetSecondaryStoragesAsync(null, context).ConfigureAwait(false)).Select(s => s.Name);
}
