using System.Text;
using Microsoft.Data.Sqlite;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

public abstract partial class SqliteInventoryReader
{
    private protected const string OperationColumns =
        "id, kind, state, backend, volume, target_type, target_id, started, ended, attempts, error, owner, details";

    /// <inheritdoc />
    public Task<Operation?> GetOperationAsync(string id, CancellationToken cancellationToken) =>
        QuerySingleAsync($"SELECT {OperationColumns} FROM operations WHERE id = $id",
            p => p.Set("$id", id), ReadOperation, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<Operation>> ListOperationsAsync(IReadOnlyCollection<OperationState>? states, string? backend, string? volume, CancellationToken cancellationToken)
    {
        // Only the filters given appear in the SQL, so each combination gets a plan that uses its index.
        var sql = new StringBuilder($"SELECT {OperationColumns} FROM operations");
        var separator = " WHERE ";
        if (states is not null)
        {
            sql.Append(separator).Append("state IN (SELECT value FROM json_each($states))");
            separator = " AND ";
        }
        if (backend is not null)
        {
            sql.Append(separator).Append("backend = $backend");
            separator = " AND ";
        }
        if (volume is not null) sql.Append(separator).Append("volume = $volume");
        sql.Append(" ORDER BY started, id");

        return await QueryAsync(sql.ToString(),
            p =>
            {
                if (states is not null) p.Set("$states", SqliteValues.ToJsonArray(states.Select(SqliteValues.ToText)));
                if (backend is not null) p.Set("$backend", backend);
                if (volume is not null) p.Set("$volume", volume);
            }, ReadOperation, cancellationToken).ConfigureAwait(false);
    }

    private protected static Operation ReadOperation(SqliteDataReader r) => new()
    {
        Id = r.GetString(0),
        Kind = r.GetEnum<OperationKind>(1),
        State = r.GetEnum<OperationState>(2),
        Backend = r.GetString(3),
        Volume = r.GetNullableString(4),
        TargetType = r.GetNullableString(5),
        TargetId = r.GetNullableString(6),
        StartedUtc = r.GetUtc(7),
        EndedUtc = r.GetNullableUtc(8),
        Attempts = r.GetInt32(9),
        Error = r.GetNullableString(10),
        Owner = r.GetNullableString(11),
        Details = r.GetDictionary(12, "operation details"),
    };
}
