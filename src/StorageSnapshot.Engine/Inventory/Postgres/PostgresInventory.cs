using Npgsql;

namespace StorageSnapshot.Engine.Inventory.Postgres;

/// <summary>
/// The shared inventory: one PostgreSQL database used by every host that points at it. Reads run on a pooled
/// connection each (READ COMMITTED, one statement: a consistent snapshot of that statement). Writes run in one
/// transaction per change — READ COMMITTED where the caller holds the lock of what it changes
/// (<see cref="BeginAsync"/>: journal updates, phase two), SERIALIZABLE where a read decides the write and the
/// caller can run it again (<see cref="BeginSerializableAsync"/>, retried by <see cref="InventoryRetry"/>).
/// Operation locks are session-level advisory locks (<see cref="PostgresAdvisoryLocks"/>), seen by every host.
/// Open one per command with <see cref="OpenAsync"/>.
/// </summary>
internal sealed partial class PostgresInventory : PostgresInventoryReader, ISnapshotInventory, IInventoryWithLocks
{
    // The transaction the current async flow has open, so that a read through the inventory from inside it runs in
    // it (it sees the transaction's own writes, as on SQLite) and a nested Begin fails at once.
    private readonly AsyncLocal<TransactionSlot?> _flowTransaction = new();
    private readonly NpgsqlDataSource _dataSource;
    private bool _disposed;

    private PostgresInventory(NpgsqlDataSource dataSource, PostgresAdvisoryLocks locks, string description)
        : base(description)
    {
        _dataSource = dataSource;
        Locks = locks;
        Description = description;
    }

    /// <inheritdoc />
    public string Description { get; }

    /// <summary>The advisory locks of this database.</summary>
    public IOperationLocks Locks { get; }

    /// <summary>The schema version of the database (Get-StorageInventory).</summary>
    public int SchemaVersion { get; private init; }

    /// <inheritdoc />
    public Task<IInventoryTransaction> BeginAsync(CancellationToken cancellationToken) =>
        Begin(System.Data.IsolationLevel.ReadCommitted, cancellationToken);

    /// <inheritdoc />
    public Task<IInventoryTransaction> BeginSerializableAsync(CancellationToken cancellationToken) =>
        Begin(System.Data.IsolationLevel.Serializable, cancellationToken);

    private Task<IInventoryTransaction> Begin(System.Data.IsolationLevel isolation, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_flowTransaction.Value?.Transaction is { IsOpen: true })
        {
            throw new InvalidOperationException(
                "This call already has an inventory transaction open; nested transactions are not supported: use the open one.");
        }
        // Set here, outside the async method, so the value flows to the caller's context, not only to ours.
        var slot = new TransactionSlot();
        _flowTransaction.Value = slot;
        return BeginCoreAsync(slot, isolation, cancellationToken);
    }

    private async Task<IInventoryTransaction> BeginCoreAsync(TransactionSlot slot, System.Data.IsolationLevel isolation, CancellationToken cancellationToken)
    {
        NpgsqlConnection? connection = null;
        try
        {
            connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            var transaction = await connection.BeginTransactionAsync(isolation, cancellationToken).ConfigureAwait(false);
            slot.Transaction = new PostgresInventoryTransaction(Description, connection, transaction);
            return slot.Transaction;
        }
        catch (Exception e) when (e is NpgsqlException or IOException or System.Net.Sockets.SocketException)
        {
            if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
            throw PostgresErrors.Failed(Description, e);
        }
        catch
        {
            if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    internal override async Task<T> UseConnectionAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction?, Task<T>> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_flowTransaction.Value?.Transaction is { IsOpen: true } own)
        {
            return await own.UseConnectionAsync(work, cancellationToken).ConfigureAwait(false);
        }
        NpgsqlConnection connection;
        try
        {
            connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or System.Net.Sockets.SocketException)
        {
            throw PostgresErrors.Failed(Description, e);
        }
        await using (connection.ConfigureAwait(false))
        {
            return await work(connection, null).ConfigureAwait(false);
        }
    }

    /// <summary>Closes the pooled connections; an open transaction is rolled back by its own dispose.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }

    private sealed class TransactionSlot
    {
        public PostgresInventoryTransaction? Transaction { get; set; }
    }
}
