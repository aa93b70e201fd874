using Microsoft.Data.Sqlite;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

/// <summary>
/// One write transaction (BEGIN IMMEDIATE) on an inventory's connection, which it holds until disposed.
/// Split by record type into partial files, like <see cref="SqliteInventoryReader"/>.
/// </summary>
internal sealed partial class SqliteInventoryTransaction : SqliteInventoryReader, IInventoryTransaction
{
    private readonly SqliteTransaction _transaction;
    // The owner may start several commands at once (Task.WhenAll); the connection runs one at a time.
    private readonly SemaphoreSlim _commandGate = new(1, 1);
    private State _state = State.Open;

    public SqliteInventoryTransaction(SqliteSession session, SqliteTransaction transaction)
        : base(session)
    {
        _transaction = transaction;
    }

    private enum State { Open, Committed, Disposed }

    /// <summary>True until committed or disposed.</summary>
    public bool IsOpen => _state == State.Open;

    internal override async Task<T> UseConnectionAsync<T>(Func<SqliteTransaction?, Task<T>> work, CancellationToken cancellationToken)
    {
        await _commandGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfNotOpen();
            return await work(_transaction).ConfigureAwait(false);
        }
        finally
        {
            _commandGate.Release();
        }
    }

    /// <inheritdoc />
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await _commandGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfNotOpen();
            _transaction.Commit();
            _state = State.Committed;
        }
        catch (SqliteException e)
        {
            throw Translate(e);
        }
        finally
        {
            _commandGate.Release();
        }
    }

    /// <summary>Rolls back unless committed, and gives the connection back to the inventory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_state == State.Disposed) return;
        await _commandGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_state == State.Open)
            {
                try
                {
                    _transaction.Rollback();
                }
                catch (SqliteException)
                {
                    // SQLite already rolled back (an I/O error or a disposed connection ends the transaction itself).
                }
                catch (InvalidOperationException)
                {
                    // The connection was closed under us (the inventory was disposed first): nothing to roll back.
                }
            }
            _state = State.Disposed;
            _transaction.Dispose();
        }
        finally
        {
            _commandGate.Release();
            Session.Exit();
        }
    }

    private void ThrowIfNotOpen()
    {
        if (_state != State.Open)
        {
            throw new InvalidOperationException(_state == State.Committed
                ? "The inventory transaction is already committed; begin a new one."
                : "The inventory transaction is disposed.");
        }
    }
}
