using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Secondary;

namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// What the operation runner needs of the engine's configuration: the drivers, how a registered repository is
/// opened (by kind), and where and how long volume locks are waited for. The façade builds it from its options, so the
/// runner (below the façade) never sees the façade's types.
/// </summary>
internal sealed record RunnerSettings(
    DriverRegistry Drivers,
    ChunkStoreRegistry ChunkStores,
    string LockDirectory,
    TimeSpan LockTimeout);
