using Microsoft.Data.Sqlite;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

/// <summary>
/// The embedded inventory: one SQLite file in WAL mode, shared safely by every process of the user
/// (writers take the file's write lock with BEGIN IMMEDIATE and wait up to the busy timeout for each other).
/// One connection per instance; reads take it briefly, a transaction holds it until disposed. Open one per
/// command with <see cref="OpenAsync(string, CancellationToken)"/>.
/// </summary>
internal sealed partial class SqliteInventory : SqliteInventoryReader, ISnapshotInventory
{
    // The transaction the current async flow has open, so that a read through the inventory from inside it runs
    // in it (instead of waiting for the connection the flow itself holds) and a nested Begin fails at once.
    private readonly AsyncLocal<TransactionSlot?> _flowTransaction = new();
    private bool _disposed;

    private SqliteInventory(SqliteSession session)
        : base(session)
    {
    }

    /// <inheritdoc />
    public string Description => Session.Path;

    /// <inheritdoc />
    public Task<IInventoryTransaction> BeginAsync(CancellationToken cancellationToken)
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
        return BeginCoreAsync(slot, cancellationToken);
    }

    private async Task<IInventoryTransaction> BeginCoreAsync(TransactionSlot slot, CancellationToken cancellationToken)
    {
        await Session.EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // deferred: false = BEGIN IMMEDIATE: the write lock now, so two writers never deadlock upgrading a read.
            var transaction = Session.Connection.BeginTransaction(deferred: false);
            slot.Transaction = new SqliteInventoryTransaction(Session, transaction);
            return slot.Transaction;
        }
        catch (SqliteException e)
        {
            Session.Exit();
            throw Translate(e);
        }
        catch
        {
            Session.Exit();
            throw;
        }
    }

    internal override async Task<T> UseConnectionAsync<T>(Func<SqliteTransaction?, Task<T>> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_flowTransaction.Value?.Transaction is { IsOpen: true } own)
        {
            return await own.UseConnectionAsync(work, cancellationToken).ConfigureAwait(false);
        }
        await Session.EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await work(null).ConfigureAwait(false);
        }
        finally
        {
            Session.Exit();
        }
    }

    /// <summary>The value of a PRAGMA on this instance's connection (tests check the connection settings).</summary>
    internal Task<string?> ReadPragmaAsync(string name, CancellationToken cancellationToken) =>
        UseConnectionAsync(async transaction =>
        {
            var command = Session.Command($"PRAGMA {name}", transaction);
            return Convert.ToString(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }, cancellationToken);

    /// <summary>Closes the connection; an open transaction is rolled back.</summary>
    public ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            Session.Dispose();
        }
        return ValueTask.CompletedTask;
    }

    private sealed class TransactionSlot
    {
        public SqliteInventoryTransaction? Transaction { get; set; }
    }
}
