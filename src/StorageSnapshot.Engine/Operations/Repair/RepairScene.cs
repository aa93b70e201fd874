using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Engine.Operations.Repair;

/// <summary>
/// What a repair rule decides from: the journal entry (its typed details), the inventory as it is now, and the
/// storage opened for it — a driver session on the entry's backend, and the repository of its secondary storage
/// when it involves one — under the lock the operation's own process held.
/// </summary>
internal sealed class RepairScene
{
    public required Operation Entry { get; init; }

    public required IInventoryReader Inventory { get; init; }

    /// <summary>The driver session of the entry's backend; null when it has none (or the backend is gone).</summary>
    public IDriverBackend? Driver { get; init; }

    /// <summary>The repository of the entry's secondary storage; null when it has none (or it is not registered).</summary>
    public IChunkStore? Repository { get; init; }

    public required IOperationOutput Output { get; init; }

    /// <summary>Commits new details to the entry at once (a fact the next repair needs if this one is killed).</summary>
    public required Func<OperationDetails, CancellationToken, Task> RecordDetailsAsync { get; init; }

    /// <summary>The driver session, or the typed refusal saying why there is none.</summary>
    public IDriverBackend RequireDriver() => Driver ?? throw EngineErrors.InvalidState(
        $"Operation {Entry.Id} cannot be repaired: its backend '{Entry.Backend}' is not registered, so its storage cannot be asked what it holds.", Entry);

    /// <summary>The repository, or the typed refusal saying why there is none.</summary>
    public IChunkStore RequireRepository() => Repository ?? throw EngineErrors.InvalidState(
        $"Operation {Entry.Id} cannot be repaired: its secondary storage '{Entry.Destination}' is not registered, so its repository cannot be asked what it holds.", Entry);
}
