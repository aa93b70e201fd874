using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Operations;
using StorageSnapshot.Engine.Secrets;

namespace StorageSnapshot.Engine.Facade;

/// <summary>
/// The engine's front door: one method per use case, each taking an <see cref="OperationContext"/> (output
/// sink, ShouldProcess callback, cancellation) and returning typed results. Front ends (the cmdlets, the demo,
/// tests) call only this. Methods that change something validate all input, then call ShouldProcess once per
/// item before any change; when it answers no they return null/false and nothing — neither storage nor
/// inventory — changes. Errors are <see cref="StorageSnapshotException"/>s with stable ids; anything else
/// escaping is a bug, with one exception: cancellation before anything was changed (during look-ups and
/// validation) surfaces as the plain <see cref="OperationCanceledException"/>; once the volume lock is being
/// waited for or an operation has started, it is OperationCancelled, raised after compensation.
///
/// Open one per command (cheap: a SQLite open and a schema check) and dispose it when the command ends.
/// The class is split by concern into partial files: Backends, Volumes, Snapshots, Journal, Resolution
/// (shared look-ups), Secondary.
/// </summary>
public sealed partial class StorageSnapshotEngine : IAsyncDisposable
{
    private readonly OperationRunner runner;
    private readonly Operations.Changes.BackendRules backendRules;

    private StorageSnapshotEngine(EngineOptions options, ISnapshotInventory inventory)
    {
        Options = options;
        Inventory = inventory;
        Secrets = new BackendSecrets(options.SecretStore ?? SecretStores.ForUser(options.HomeDirectory));
        runner = new OperationRunner(options.ForRunner(), inventory, Secrets);
        backendRules = new Operations.Changes.BackendRules(options.Drivers);
    }

    /// <summary>Secret backend properties: protected when stored, revealed only to drivers.</summary>
    internal BackendSecrets Secrets { get; }

    /// <summary>How it was opened.</summary>
    public EngineOptions Options { get; }

    /// <summary>The inventory (exposed for tools and tests; front ends use the use-case methods).</summary>
    internal ISnapshotInventory Inventory { get; }

    /// <summary>Which inventory was opened, and what chose it.</summary>
    internal InventoryChoice? Choice { get; private init; }

    /// <summary>
    /// Opens the inventory (<see cref="InventoryChoice"/>: $env:STORAGESNAPSHOT_INVENTORY's PostgreSQL database, the
    /// per-user setting, else the SQLite file <see cref="EngineOptions.InventoryPath"/>), creating and migrating it, then marks
    /// operations left Running by processes that died as NeedsRecovery: an entry whose volume lock is free has
    /// no live owner (see <see cref="DeadOperationDetector"/>). Their targets keep the state they had (never
    /// Ready) until the repair command — not written yet — finishes or undoes the work.
    /// </summary>
    public static async Task<StorageSnapshotEngine> OpenAsync(EngineOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Owner-only when new: the inventory, the secret key and the lock files (whose names tell which volumes exist) live here.
        Platform.FilePermissions.OwnerOnly.CreateDirectory(options.HomeDirectory);
        var choice = InventoryChoice.Resolve(options, options.SecretStore ?? SecretStores.ForUser(options.HomeDirectory));
        var inventory = await choice.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await DeadOperationDetector.MarkAsync(inventory, options.LockDirectory, cancellationToken).ConfigureAwait(false);
            return new StorageSnapshotEngine(options, inventory) { Choice = choice };
        }
        catch
        {
            await inventory.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Inventory.DisposeAsync();
}
