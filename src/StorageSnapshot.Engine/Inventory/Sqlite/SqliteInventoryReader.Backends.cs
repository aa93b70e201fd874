using Microsoft.Data.Sqlite;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

internal abstract partial class SqliteInventoryReader
{
    private protected const string BackendColumns = "name, driver, properties, maintenance, reason, registered";

    /// <inheritdoc />
    public Task<Backend?> GetBackendAsync(string name, CancellationToken cancellationToken) =>
        QuerySingleAsync($"SELECT {BackendColumns} FROM backends WHERE name = $name",
            p => p.Set("$name", name), ReadBackend, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<Backend>> ListBackendsAsync(CancellationToken cancellationToken) =>
        await QueryAsync($"SELECT {BackendColumns} FROM backends ORDER BY name", null, ReadBackend, cancellationToken).ConfigureAwait(false);

    private protected static Backend ReadBackend(SqliteDataReader r) => new()
    {
        Name = r.GetString(0),
        Driver = r.GetString(1),
        Properties = r.GetDictionary(2, "backend properties"),
        MaintenanceMode = r.GetInt64(3) != 0,
        MaintenanceReason = r.GetNullableString(4),
        RegisteredUtc = r.GetUtc(5),
    };
}
