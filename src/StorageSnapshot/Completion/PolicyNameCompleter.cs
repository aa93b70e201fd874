using System.Collections;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands.Completion;

/// <summary>Completes snapshot policy names.</summary>
public sealed class PolicyNameCompleter : InventoryNameCompleter
{
    private protected override async Task<IEnumerable<string>> ListNamesAsync(StorageSnapshotEngine engine, IDictionary boundParameters,
        OperationContext context) =>
        (await engine.GetPoliciesAsync(null, context).ConfigureAwait(false)).Select(p => p.Name);
}
