using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Inventory.Sqlite;
using StorageSnapshot.Engine.Inventory.Sqlite.Migrations;
using static StorageSnapshot.Engine.Tests.Inventory.InventorySamples;

namespace StorageSnapshot.Engine.Tests.Inventory;

/// <summary>All-or-nothing transactions, durability across reopen, and sharing one file between instances.</summary>
public sealed class SqliteInventoryTransactionTests : IDisposable
{
    private readonly InventoryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task DisposingWithoutCommitLeavesNothing()
    {
        await using var inventory = await _folder.OpenAsync();
        var volume = Volume("lab", "db01");
        await using (var tx = await inventory.BeginAsync(None))
        {
            await tx.InsertBackendAsync(Backend("lab"), None);
            await tx.InsertVolumeAsync(volume, None);
            await tx.InsertSnapshotAsync(Snapshot(volume, "s", Utc(2026, 11, 22)), None);
            await tx.InsertOperationAsync(Operation(volume, OperationState.Running, Utc(2026, 11, 22)), None);
            await tx.AppendEventAsync(new StorageEvent { Kind = EventKind.SnapshotCreated, TimeUtc = Utc(2026, 11, 22) }, None);
            // Inside the transaction its own writes are visible.
            Assert.NotNull(await tx.GetVolumeAsync(volume.Id, None));
            Assert.Single(await tx.ListSnapshotsAsync(new SnapshotQuery(), None));
        }

        Assert.Empty(await inventory.ListBackendsAsync(None));
        Assert.Empty(await inventory.ListVolumesAsync(null, None));
        Assert.Empty(await inventory.ListSnapshotsAsync(new SnapshotQuery(), None));
        Assert.Empty(await inventory.ListOperationsAsync(null, null, null, None));
        Assert.Empty(await inventory.ListEventsAsync(0, 10, None));
    }

    [Fact]
    public async Task CommittedDataSurvivesReopenAndUncommittedIsInvisibleToOthers()
    {
        await using (var writer = await _folder.OpenAsync())
        await using (var reader = await _folder.OpenAsync())
        {
            await using var tx = await writer.BeginAsync(None);
            await tx.InsertBackendAsync(Backend("lab"), None);
            Assert.Null(await reader.GetBackendAsync("lab", None));
            await tx.CommitAsync(None);
            Assert.NotNull(await reader.GetBackendAsync("lab", None));
        }

        await using var reopened = await _folder.OpenAsync();
        Assert.NotNull(await reopened.GetBackendAsync("lab", None));
    }

    [Fact]
    public async Task ACommittedTransactionRefusesFurtherUse()
    {
        await using var inventory = await _folder.OpenAsync();
        await using var tx = await inventory.BeginAsync(None);
        await tx.CommitAsync(None);
        await Assert.ThrowsAsync<InvalidOperationException>(() => tx.InsertBackendAsync(Backend("lab"), None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => tx.CommitAsync(None));
    }

    [Fact]
    public async Task ReadsThroughTheInventoryInsideItsOwnTransactionRunInItAndNestingIsRefused()
    {
        await using var inventory = await _folder.OpenAsync();
        await using (var tx = await inventory.BeginAsync(None))
        {
            await tx.InsertBackendAsync(Backend("lab"), None);
            // Would wait forever for the connection this very flow holds, if it did not run in the transaction.
            var seen = await inventory.GetBackendAsync("lab", None).WaitAsync(TimeSpan.FromSeconds(5));
            Assert.NotNull(seen);
            await Assert.ThrowsAsync<InvalidOperationException>(() => inventory.BeginAsync(None));
        }
        Assert.Null(await inventory.GetBackendAsync("lab", None));
        // After the transaction ends, this flow may begin another.
        await inventory.WriteAsync(tx => tx.InsertBackendAsync(Backend("lab"), None));
    }

    [Fact]
    public async Task AnotherFlowOfTheSameInstanceWaitsForTheTransaction()
    {
        await using var inventory = await _folder.OpenAsync();
        using var go = new SemaphoreSlim(0);
        // Started before BeginAsync, so it is an independent flow (a task started inside the transaction's flow
        // inherits it and runs its reads in the transaction).
        var otherFlow = Task.Run(async () =>
        {
            await go.WaitAsync();
            return await inventory.GetBackendAsync("lab", None);
        });
        var tx = await inventory.BeginAsync(None);
        await tx.InsertBackendAsync(Backend("lab"), None);
        go.Release();
        await Task.Delay(300);
        Assert.False(otherFlow.IsCompleted);
        await tx.CommitAsync(None);
        await tx.DisposeAsync();
        Assert.NotNull(await otherFlow.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task TwoInstancesOnOneFileWriteConcurrentlyAndBothSucceed()
    {
        const int transactionsEach = 40;
        await using (var setup = await _folder.OpenAsync())
        {
            await setup.WriteAsync(async tx =>
            {
                await tx.InsertBackendAsync(Backend("lab"), None);
                await tx.InsertVolumeAsync(Volume("lab", "db01") with { Id = "VOL1" }, None);
            });
        }

        // Two instances, each with its own connection, as two processes would have.
        await using var first = await _folder.OpenAsync();
        await using var second = await _folder.OpenAsync();
        var volume = Volume("lab", "db01") with { Id = "VOL1" };
        using var start = new ManualResetEventSlim();

        Task Writer(SqliteInventory inventory, string prefix) => Task.Run(async () =>
        {
            start.Wait();
            for (var i = 0; i < transactionsEach; i++)
            {
                await inventory.WriteAsync(async tx =>
                {
                    await tx.InsertSnapshotAsync(Snapshot(volume, $"{prefix}-{i}", Utc(2026, 11, 22).AddSeconds(i)), None);
                    await tx.AppendEventAsync(new StorageEvent { Kind = EventKind.SnapshotCreated, TimeUtc = Utc(2026, 11, 22), Message = prefix }, None);
                });
            }
        });

        var writers = new[] { Writer(first, "a"), Writer(second, "b") };
        start.Set();
        await Task.WhenAll(writers);

        var snapshots = await first.ListSnapshotsAsync(new SnapshotQuery { VolumeIds = ["VOL1"] }, None);
        Assert.Equal(2 * transactionsEach, snapshots.Count);
        Assert.Equal(2 * transactionsEach, (await second.ListEventsAsync(0, 1000, None)).Count);
    }

    [Fact]
    public async Task AWriterLockedOutPastTheBusyTimeoutGetsInventoryUnavailable()
    {
        await using var holder = await _folder.OpenAsync();
        await using var waiter = await SqliteInventory.OpenAsync(_folder.DatabasePath, SqliteMigrations.All, TimeSpan.FromMilliseconds(300), None);
        await using var held = await holder.BeginAsync(None);

        var error = await Assert.ThrowsAsync<InventoryUnavailableException>(() => waiter.BeginAsync(None));
        Assert.Equal(ErrorIds.InventoryUnavailable, error.ErrorId);
        Assert.Contains("locked by another process", error.Message);

        // Readers are never blocked by a writer (WAL).
        Assert.Empty(await waiter.ListBackendsAsync(None));
    }
    [Fact]
    public async Task AFlowOfTheSameInstanceWaitingPastTheBusyTimeoutGetsInventoryUnavailable()
    {
        await using var inventory = await SqliteInventory.OpenAsync(_folder.DatabasePath, SqliteMigrations.All, TimeSpan.FromMilliseconds(300), None);
        using var go = new SemaphoreSlim(0);
        var otherFlow = Task.Run(async () =>
        {
            await go.WaitAsync();
            return await inventory.BeginAsync(None);
        });
        await using var held = await inventory.BeginAsync(None);
        go.Release();

        var error = await Assert.ThrowsAsync<InventoryUnavailableException>(() => otherFlow);
        Assert.Contains("another transaction in this process", error.Message);
    }

    [Fact]
    public async Task CancellationWhileWaitingGivesNothingAwayAndHoldsNothing()
    {
        await using var inventory = await _folder.OpenAsync();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => inventory.BeginAsync(cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => inventory.ListBackendsAsync(cancelled.Token));

        // Nothing is held: a transaction can still begin at once.
        await inventory.WriteAsync(tx => tx.InsertBackendAsync(Backend("lab"), None)).WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task DisposingTheInventoryUnderAnOpenTransactionRollsItBack()
    {
        var inventory = await _folder.OpenAsync();
        var tx = await inventory.BeginAsync(None);
        await tx.InsertBackendAsync(Backend("lab"), None);
        await inventory.DisposeAsync();
        await tx.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => inventory.ListBackendsAsync(None));

        await using var reopened = await _folder.OpenAsync();
        Assert.Empty(await reopened.ListBackendsAsync(None));
    }
}
