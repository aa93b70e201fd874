using StorageSnapshot.Engine.Inventory;

namespace StorageSnapshot.Engine.Operations;

/// <summary>
/// Which operation locks an inventory is used with: its own when it brings them (PostgreSQL's advisory locks, seen by
/// every host), else this host's lock files in the engine's lock directory (<see cref="VolumeLock"/>).
/// </summary>
internal static class OperationLocks
{
    public static IOperationLocks For(ISnapshotInventory inventory, string lockDirectory) =>
        inventory is IInventoryWithLocks shared ? shared.Locks : new HostLockFiles(lockDirectory);

    /// <summary>The lock files of one host: <see cref="VolumeLock"/>, whose OS lock dies with its process.</summary>
    private sealed class HostLockFiles(string lockDirectory) : IOperationLocks
    {
        public bool SpanHosts => false;

        public Task<IAsyncDisposable?> TryAcquireAsync(string key, CancellationToken cancellationToken) =>
            Task.FromResult<IAsyncDisposable?>(Wrap(VolumeLock.TryAcquire(lockDirectory, key)));

        public async Task<IAsyncDisposable?> AcquireAsync(string key, TimeSpan timeout, CancellationToken cancellationToken) =>
            Wrap(await VolumeLock.AcquireAsync(lockDirectory, key, timeout, cancellationToken).ConfigureAwait(false));

        // A lock file does not say who holds it; the journal does (the caller asks it).
        public Task<string?> DescribeHolderAsync(string key, CancellationToken cancellationToken) => Task.FromResult<string?>(null);

        private static Held? Wrap(VolumeLock? held) => held is null ? null : new Held(held);

        private sealed class Held(VolumeLock held) : IAsyncDisposable
        {
            public ValueTask DisposeAsync()
            {
                held.Dispose();
                return ValueTask.CompletedTask;
            }
        }
    }
}
