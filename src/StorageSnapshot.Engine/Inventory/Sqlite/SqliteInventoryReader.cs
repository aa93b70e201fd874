using Microsoft.Data.Sqlite;
using StorageSnapshot.Engine.Inventory.Rows;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

/// <summary>
/// The queries of the SQLite inventory, written once and shared by <see cref="SqliteInventory"/> (reads outside a
/// transaction) and its transaction (reads that see the transaction's own writes). Split by record type into
/// partial files; a new record type adds its own SqliteInventoryReader.X.cs and SqliteInventoryTransaction.X.cs.
/// </summary>
internal abstract partial class SqliteInventoryReader : IInventoryReader
{
    private protected SqliteInventoryReader(SqliteSession session) => Session = session;

    private protected SqliteSession Session { get; }

    /// <summary>Runs <paramref name="work"/> with exclusive use of the connection and the transaction to bind commands to.</summary>
    internal abstract Task<T> UseConnectionAsync<T>(Func<SqliteTransaction?, Task<T>> work, CancellationToken cancellationToken);

    /// <summary>Rows of <paramref name="sql"/>, each mapped by <paramref name="map"/>.</summary>
    private protected Task<List<T>> QueryAsync<T>(string sql, Action<SqliteParameterCollection>? bind, Func<SqliteDataReader, T> map, CancellationToken cancellationToken) =>
        UseConnectionAsync(async transaction =>
        {
            var command = Session.Command(sql, transaction);
            bind?.Invoke(command.Parameters);
            try
            {
                var rows = new List<T>();
                using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) rows.Add(map(reader));
                return rows;
            }
            catch (SqliteException e) when (!e.IsConstraint())
            {
                throw Translate(e);
            }
        }, cancellationToken);

    /// <summary>
    /// Rows of <paramref name="sql"/> read through SQLite's C API (<see cref="RawStatement"/>), each mapped by
    /// <paramref name="map"/>: for listings, where decoding every column into new strings would cost more than
    /// the query.
    /// </summary>
    private protected Task<RowList<T>> QueryRawAsync<T>(string sql, IEnumerable<KeyValuePair<string, object?>> parameters, Func<RawStatement, T> map,
        CancellationToken cancellationToken) =>
        RunRawAsync(sql, parameters, statement =>
        {
            var rows = new RowList<T>();
            while (statement.Step()) rows.Add(map(statement));
            return rows;
        }, cancellationToken);

    /// <summary>The first row of <paramref name="sql"/> read through SQLite's C API and mapped by <paramref name="map"/>, or null.</summary>
    private protected Task<T?> QueryFirstRawAsync<T>(string sql, IEnumerable<KeyValuePair<string, object?>> parameters, Func<RawStatement, T> map,
        CancellationToken cancellationToken) where T : class =>
        RunRawAsync(sql, parameters, statement => statement.Step() ? map(statement) : null, cancellationToken);

    private Task<TResult> RunRawAsync<TResult>(string sql, IEnumerable<KeyValuePair<string, object?>> parameters, Func<RawStatement, TResult> read,
        CancellationToken cancellationToken) =>
        UseConnectionAsync(_ =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            var statement = Session.RawStatement(sql);
            try
            {
                statement.Bind(parameters);
                return Task.FromResult(read(statement));
            }
            catch (SqliteException e) when (!e.IsConstraint())
            {
                throw Translate(e);
            }
            finally
            {
                statement.Reset();
            }
        }, cancellationToken);

    /// <summary>The first row of <paramref name="sql"/>, or null.</summary>
    private protected async Task<T?> QuerySingleAsync<T>(string sql, Action<SqliteParameterCollection> bind, Func<SqliteDataReader, T> map, CancellationToken cancellationToken)
        where T : class =>
        (await QueryAsync(sql, bind, map, cancellationToken).ConfigureAwait(false)) is [var first, ..] ? first : null;

    /// <summary>Runs a statement; returns the number of rows it changed. Constraint failures reach the caller as SqliteException.</summary>
    private protected Task<int> ExecuteAsync(string sql, Action<SqliteParameterCollection> bind, CancellationToken cancellationToken) =>
        UseConnectionAsync(async transaction =>
        {
            var command = Session.Command(sql, transaction);
            bind(command.Parameters);
            try
            {
                return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (SqliteException e) when (!e.IsConstraint())
            {
                throw Translate(e);
            }
        }, cancellationToken);

    /// <summary>The error the engine reports for an SQLite failure that is not a constraint of the caller's making.</summary>
    private protected InventoryUnavailableException Translate(SqliteException e) =>
        e.IsBusy() ? SqliteErrors.Locked(Session.Path, Session.BusyTimeout, e) : SqliteErrors.Failed(Session.Path, e);
}
