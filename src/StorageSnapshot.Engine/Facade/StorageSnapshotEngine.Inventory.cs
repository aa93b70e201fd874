using StorageSnapshot.Engine.Inventory;
using StorageSnapshot.Engine.Operations;
using StorageSnapshot.Engine.Inventory.Postgres;
using StorageSnapshot.Engine.Inventory.Sqlite;
using StorageSnapshot.Engine.Inventory.Sqlite.Migrations;
using StorageSnapshot.Engine.Secrets;

namespace StorageSnapshot.Engine.Facade;

// Which inventory is in use, choosing another, and moving an inventory between SQLite and PostgreSQL.
public sealed partial class StorageSnapshotEngine
{
    /// <summary>The inventory this engine opened (Get-StorageInventory).</summary>
    public Task<InventoryInfo> GetInventoryAsync(OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var choice = Choice ?? new InventoryChoice(InventoryKind.Sqlite, Options.InventoryPath, InventorySource.Default);
        return Task.FromResult(Describe(Inventory, choice.Kind, choice.Source));
    }

    /// <summary>
    /// Chooses the inventory later commands of this user use (Set-StorageInventory): opens it first — creating and
    /// migrating it, so that a wrong server, database, password or path is refused here and the setting is left as it
    /// was — then writes the per-user setting (a password protected, never in clear). $env:STORAGESNAPSHOT_INVENTORY
    /// still overrides it (a warning says so). Returns the inventory chosen, or null when ShouldProcess said no.
    /// </summary>
    public static async Task<InventoryInfo?> SetInventoryAsync(EngineOptions options, InventoryTarget target, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(context);
        if (!context.ShouldProcess($"inventory setting of {Environment.UserName}", $"Use the {Name(target.Kind)} inventory at {Where(options, target)}")) return null;
        var secrets = options.SecretStore ?? SecretStores.ForUser(options.HomeDirectory);
        var (setting, open) = Resolve(options, target, secrets);

        await using var inventory = await open.OpenAsync(context.CancellationToken).ConfigureAwait(false);
        if (setting is null) InventorySetting.Clear(options.HomeDirectory);
        else setting.Write(options.HomeDirectory);
        WarnIfOverridden(context);
        return Describe(inventory, open.Kind, setting is null ? InventorySource.Default : InventorySource.UserSetting);
    }

    /// <summary>
    /// Moves the inventory in use into <paramref name="target"/> (Move-StorageInventory): the target, which must be
    /// empty, receives a copy of every record in one transaction; the copy is compared with the source record for
    /// record; only then does the per-user setting switch to the target. The source is read, never changed — it stays
    /// as a backup and is no longer used. Returns the target, or null when ShouldProcess said no.
    /// </summary>
    public static async Task<InventoryInfo?> MoveInventoryAsync(EngineOptions options, InventoryTarget target, OperationContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;
        var secrets = options.SecretStore ?? SecretStores.ForUser(options.HomeDirectory);
        var from = InventoryChoice.Resolve(options, secrets);

        await using var source = await from.OpenAsync(cancellationToken).ConfigureAwait(false);
        var running = await source.ListOperationsAsync(new[] { OperationState.Running }, null, null, cancellationToken).ConfigureAwait(false);
        if (running.Count > 0)
        {
            throw new ConflictException(ErrorIds.InvalidState,
                $"{running.Count} operation(s) are running on the inventory {source.Description} (the first: {running[0].Id}, {running[0].Kind}); " +
                "move it when none is running.", source.Description);
        }
        var toWhere = Where(options, target);
        if (string.Equals(toWhere, source.Description, StringComparison.Ordinal))
        {
            throw EngineErrors.InvalidArgument($"The inventory {source.Description} is already the one in use; name another to move it to.", toWhere);
        }
        if (!context.ShouldProcess($"inventory {source.Description}", $"Copy every record to the {Name(target.Kind)} inventory at {toWhere}, verify, and use it from now on")) return null;
        // Only now: protecting a password may create the user's key file, which -WhatIf must not.
        var (setting, to) = Resolve(options, target, secrets);

        await using var destination = await to.OpenAsync(cancellationToken).ConfigureAwait(false);
        var copied = await InventoryCopier.CopyAsync(source, destination, cancellationToken).ConfigureAwait(false);
        context.Output.WriteVerbose($"Copied {copied.Backends} backend(s), {copied.Volumes} volume(s), {copied.Snapshots} snapshot(s), {copied.SecondaryStorages} secondary storage(s), " +
                                    $"{copied.Copies} copy record(s), {copied.Operations} journal entries, {copied.Policies} policy(ies) and {copied.Events} event(s); the copy equals the source.");
        if (setting is null) InventorySetting.Clear(options.HomeDirectory);
        else setting.Write(options.HomeDirectory);
        context.Output.WriteVerbose($"The inventory at {source.Description} is kept unchanged as it was; it is no longer used.");
        WarnIfOverridden(context);
        return Describe(destination, to.Kind, setting is null ? InventorySource.Default : InventorySource.UserSetting);
    }

    private static (InventorySetting? Setting, InventoryChoice Open) Resolve(EngineOptions options, InventoryTarget target, ISecretStore secrets)
    {
        if (target.Kind == InventoryKind.PostgreSql)
        {
            var setting = InventorySetting.ForPostgres(target.ConnectionString!, target.Password, secrets);
            return (setting, new InventoryChoice(InventoryKind.PostgreSql, setting.RevealConnectionString(secrets), InventorySource.UserSetting));
        }
        if (target.Path is null)
        {
            var path = Path.Combine(options.HomeDirectory, "inventory.db");
            return (null, new InventoryChoice(InventoryKind.Sqlite, path, InventorySource.Default));
        }
        return (new InventorySetting(InventoryKind.Sqlite, target.Path, null, null), new InventoryChoice(InventoryKind.Sqlite, target.Path, InventorySource.UserSetting));
    }

    /// <summary>Where the target is, in messages: the file, or postgresql://user@host:port/database.</summary>
    private static string Where(EngineOptions options, InventoryTarget target) => target.Kind == InventoryKind.PostgreSql
        ? PostgresConnection.Describe(PostgresConnection.Parse(target.ConnectionString!))
        : target.Path ?? Path.Combine(options.HomeDirectory, "inventory.db");

    private static InventoryInfo Describe(ISnapshotInventory inventory, InventoryKind kind, InventorySource source) => new()
    {
        Kind = kind,
        // Opening migrates to the newest schema this build knows (or refuses a newer one): the version is that.
        SchemaVersion = inventory is PostgresInventory postgres ? postgres.SchemaVersion : SqliteMigrations.All[^1].Version,
        Location = inventory.Description,
        Source = source,
    };

    private static void WarnIfOverridden(OperationContext context)
    {
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(EngineOptions.InventoryVariable)))
        {
            context.Output.WriteWarning($"${EngineOptions.InventoryVariable} is set in this session and overrides the setting until it is removed.");
        }
    }

    private static string Name(InventoryKind kind) => kind == InventoryKind.PostgreSql ? "PostgreSQL" : "SQLite";
}
