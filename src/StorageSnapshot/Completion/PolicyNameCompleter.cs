using System.Collections;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands.Completion;

/// <summary>Completes snapshot policy names (read-only, in SQL, like every inventory completer).</summary>
public sealed class PolicyNameCompleter : InventoryNameCompleter
{
    private protected override Task<IReadOnlyList<string>> ListNamesAsync(InventoryNames names, string prefix, IDictionary boundParameters,
        CancellationToken cancellationToken) =>
        names.PolicyNamesAsync(prefix, Limit, cancellationToken);
}
