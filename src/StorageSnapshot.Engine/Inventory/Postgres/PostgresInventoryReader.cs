using Npgsql;

namespace StorageSnapshot.Engine.Inventory.Postgres;

/// <summary>
/// The queries of the PostgreSQL inventory, written once and shared by <see cref="PostgresInventory"/> (reads on a
/// pooled connection) and its transaction (reads that see the transaction's own writes). The SQL mirrors the
/// SQLite inventory's query for query; lists are bound as arrays (= ANY), names compared as citext.
/// </summary>
internal abstract partial class PostgresInventoryReader : IInventoryReader
{
    private protected PostgresInventoryReader(string where) => Where = where;

    /// <summary>The inventory's description, for messages.</summary>
    private protected string Where { get; }

    /// <summary>Runs <paramref name="work"/> with a connection (and the transaction to bind commands to).</summary>
    internal abstract Task<T> UseConnectionAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction?, Task<T>> work, CancellationToken cancellationToken);

    /// <summary>Rows of <paramref name="sql"/>, each mapped by <paramref name="map"/>.</summary>
    private protected Task<List<T>> QueryAsync<T>(string sql, Action<NpgsqlParameterCollection>? bind, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken) =>
        QueryAsync(sql, bind, map, new List<T>(), static (rows, row) => rows.Add(row), cancellationToken);

    /// <summary>
    /// Rows of <paramref name="sql"/>, each mapped by <paramref name="map"/> and given to <paramref name="add"/>: a
    /// listing of thousands collects into a <see cref="Rows.RowList{T}"/> (chunks, never a large-object array).
    /// </summary>
    private protected Task<TRows> QueryAsync<T, TRows>(string sql, Action<NpgsqlParameterCollection>? bind, Func<NpgsqlDataReader, T> map, TRows rows,
        Action<TRows, T> add, CancellationToken cancellationToken) =>
        UseConnectionAsync(async (connection, transaction) =>
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            bind?.Invoke(command.Parameters);
            try
            {
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) add(rows, map(reader));
                return rows;
            }
            catch (Exception e) when (e is NpgsqlException or IOException && !(e is PostgresException p && p.IsConstraint()))
            {
                throw PostgresErrors.Failed(Where, e);
            }
        }, cancellationToken);

    /// <summary>The first row of <paramref name="sql"/>, or null.</summary>
    private protected async Task<T?> QuerySingleAsync<T>(string sql, Action<NpgsqlParameterCollection> bind, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken)
        where T : class =>
        (await QueryAsync(sql, bind, map, cancellationToken).ConfigureAwait(false)) is [var first, ..] ? first : null;

    /// <summary>
    /// Runs a statement; returns the number of rows it changed. Constraint failures reach the caller as
    /// PostgresException. Inside a transaction the statement runs under a savepoint, sent in the same round trip: a
    /// failed statement aborts a PostgreSQL transaction, and the callers (like SQLite's) go on using it after a
    /// refused insert — to read what the conflict was with, or to try something else.
    /// </summary>
    private protected Task<int> ExecuteAsync(string sql, Action<NpgsqlParameterCollection> bind, CancellationToken cancellationToken) =>
        UseConnectionAsync(async (connection, transaction) =>
        {
            try
            {
                if (transaction is null)
                {
                    await using var command = new NpgsqlCommand(sql, connection);
                    bind(command.Parameters);
                    return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await using var batch = new NpgsqlBatch(connection, transaction);
                batch.BatchCommands.Add(new NpgsqlBatchCommand("SAVEPOINT inventory_statement"));
                var statement = new NpgsqlBatchCommand(sql);
                bind(statement.Parameters);
                batch.BatchCommands.Add(statement);
                batch.BatchCommands.Add(new NpgsqlBatchCommand("RELEASE SAVEPOINT inventory_statement"));
                try
                {
                    await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (PostgresException e) when (e.IsConstraint())
                {
                    await using var rollback = new NpgsqlCommand("ROLLBACK TO SAVEPOINT inventory_statement; RELEASE SAVEPOINT inventory_statement", connection, transaction);
                    await rollback.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    throw;
                }
                return statement.RecordsAffected;
            }
            catch (Exception e) when (e is NpgsqlException or IOException && !(e is PostgresException p && p.IsConstraint()))
            {
                throw PostgresErrors.Failed(Where, e);
            }
        }, cancellationToken);
}
