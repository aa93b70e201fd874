using Npgsql;

namespace StorageSnapshot.Engine.Inventory.Postgres;

/// <summary>
/// One write transaction on a connection of its own, held until disposed: committed whole or not at all. If the
/// server goes away in the middle (restarted, the network cut) it rolls the transaction back itself; the error says
/// so (<see cref="PostgresErrors.Failed"/>).
/// </summary>
internal sealed partial class PostgresInventoryTransaction : PostgresInventoryReader, IInventoryTransaction
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    // The owner may start several commands at once (Task.WhenAll); a connection runs one at a time.
    private readonly SemaphoreSlim _commandGate = new(1, 1);
    private State _state = State.Open;
    private bool _eventLogLocked;

    public PostgresInventoryTransaction(string where, NpgsqlConnection connection, NpgsqlTransaction transaction)
        : base(where)
    {
        _connection = connection;
        _transaction = transaction;
    }

    private enum State { Open, Committed, Disposed }

    /// <summary>True until committed or disposed.</summary>
    public bool IsOpen => _state == State.Open;

    internal override async Task<T> UseConnectionAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction?, Task<T>> work, CancellationToken cancellationToken)
    {
        await _commandGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfNotOpen();
            return await work(_connection, _transaction).ConfigureAwait(false);
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
            // Not cancellable once sent: a commit cut short leaves the caller not knowing whether it happened.
            await _transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            _state = State.Committed;
        }
        catch (Exception e) when (e is NpgsqlException or IOException)
        {
            throw PostgresErrors.Failed(Where, e, committing: e is not PostgresException);
        }
        finally
        {
            _commandGate.Release();
        }
    }

    /// <summary>Rolls back unless committed, and closes the connection (back to the pool).</summary>
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
                    await _transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException)
                {
                    // The connection broke: the server rolled the transaction back when the session ended.
                }
            }
            _state = State.Disposed;
            await _transaction.DisposeAsync().ConfigureAwait(false);
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _commandGate.Release();
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
