using StorageSnapshot.Engine.Inventory;

namespace StorageSnapshot.Engine.Facade;

/// <summary>
/// The engine's front door: one method per use case, each taking an <see cref="OperationContext"/> (output
/// sink, ShouldProcess callback, cancellation) and returning typed results. Front ends (the cmdlets, the demo,
/// tests) call only this. Methods that change something call ShouldProcess once per item before any change;
/// when it answers no they return null/false and nothing — neither storage nor inventory — changes.
/// Errors are <see cref="StorageSnapshotException"/>s with stable ids; anything else escaping is a bug.
///
/// Open one per command (cheap: a SQLite open and a schema check) and dispose it when the command ends.
/// The class is split by concern into partial files: Backends, Volumes, Snapshots, Journal, Secondary.
/// </summary>
public sealed partial class StorageSnapshotEngine : IAsyncDisposable
{
    private StorageSnapshotEngine(EngineOptions options, ISnapshotInventory inventory)
    {
        Options = options;
        Inventory = inventory;
    }

    /// <summary>How it was opened.</summary>
    public EngineOptions Options { get; }

    /// <summary>The inventory (exposed for tools and tests; front ends use the use-case methods).</summary>
    internal ISnapshotInventory Inventory { get; }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Inventory.DisposeAsync();
}
