using System.Text;
using Microsoft.Data.Sqlite;
using StorageSnapshot.Engine.Operations.Journal;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

public abstract partial class SqliteInventoryReader
{
    private protected const string OperationColumns =
        "id, kind, state, backend, volume, destination, target_kind, target_id, started, ended, attempts, error, owner, details";

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

    private protected static Operation ReadOperation(SqliteDataReader r)
    {
        var id = r.GetString(0);
        var kind = r.GetEnum<OperationKind>(1);
        return new Operation
        {
            Id = id,
            Kind = kind,
            State = r.GetEnum<OperationState>(2),
            Backend = r.GetNullableString(3),
            Volume = r.GetNullableString(4),
            Destination = r.GetNullableString(5),
            TargetKind = r.GetEnum<TargetKind>(6),
            TargetId = r.GetNullableString(7),
            StartedUtc = r.GetUtc(8),
            EndedUtc = r.GetNullableUtc(9),
            Attempts = r.GetInt32(10),
            Error = r.GetNullableString(11),
            Owner = r.GetNullableString(12),
            Details = OperationDetailsJson.Read(kind, r.GetNullableString(13), id),
        };
    }
}
