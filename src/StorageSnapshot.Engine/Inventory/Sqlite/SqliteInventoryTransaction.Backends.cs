using Microsoft.Data.Sqlite;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

internal sealed partial class SqliteInventoryTransaction
{
    /// <inheritdoc />
    public async Task InsertBackendAsync(Backend backend, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(backend);
        try
        {
            await ExecuteAsync(
                "INSERT INTO backends (name, driver, properties, maintenance, reason, registered) " +
                "VALUES ($name, $driver, $properties, $maintenance, $reason, $registered)",
                p =>
                {
                    p.Set("$name", backend.Name);
                    p.Set("$driver", backend.Driver);
                    p.Set("$registered", SqliteValues.ToUnixMilliseconds(backend.RegisteredUtc));
                    BindBackendSettings(p, backend);
                }, cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException e) when (e.IsUniqueViolation(out _))
        {
            throw new ConflictException(ErrorIds.AlreadyExists, $"A backend named '{backend.Name}' is already registered.", backend.Name, ErrorKind.ResourceExists);
        }
    }

    /// <inheritdoc />
    public async Task UpdateBackendAsync(Backend backend, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var changed = await ExecuteAsync(
            "UPDATE backends SET properties = $properties, maintenance = $maintenance, reason = $reason WHERE name = $name",
            p =>
            {
                p.Set("$name", backend.Name);
                BindBackendSettings(p, backend);
            }, cancellationToken).ConfigureAwait(false);
        if (changed == 0) throw BackendNotFound(backend.Name);
    }

    /// <inheritdoc />
    public async Task DeleteBackendAsync(string name, CancellationToken cancellationToken)
    {
        int changed;
        try
        {
            changed = await ExecuteAsync("DELETE FROM backends WHERE name = $name", p => p.Set("$name", name), cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException e) when (e.IsForeignKeyViolation())
        {
            throw new ConflictException(ErrorIds.BackendHasVolumes,
                $"Backend '{name}' still has volumes in the inventory; remove them before unregistering it.", name);
        }
        if (changed == 0) throw BackendNotFound(name);
    }

    private static void BindBackendSettings(SqliteParameterCollection p, Backend backend)
    {
        p.Set("$properties", SqliteValues.ToJson(backend.Properties));
        p.Set("$maintenance", backend.MaintenanceMode ? 1 : 0);
        p.Set("$reason", backend.MaintenanceReason);
    }

    private static ObjectNotFoundException BackendNotFound(string name) =>
        new(ErrorIds.BackendNotFound, $"No backend named '{name}' is registered.", name);
}
