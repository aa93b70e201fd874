using Npgsql;

namespace StorageSnapshot.Engine.Inventory.Postgres;

/// <summary>How the inventory's connection strings are read, described and derived.</summary>
internal static class PostgresConnection
{
    /// <summary>What application_name the inventory's sessions carry (pg_stat_activity shows it).</summary>
    public const string ApplicationName = "StorageSnapshot";

    /// <summary>The connection string, checked: a malformed one is a clear error naming the problem.</summary>
    public static NpgsqlConnectionStringBuilder Parse(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            // The text itself is not repeated: it may hold a password.
            throw new InventoryUnavailableException($"The PostgreSQL connection string of the inventory is malformed: {e.Message}", e);
        }
        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            throw new InventoryUnavailableException("The PostgreSQL connection string of the inventory names no Host (for example 'Host=db1;Database=storagesnapshot;Username=ops').");
        }
        if (string.IsNullOrEmpty(builder.ApplicationName)) builder.ApplicationName = ApplicationName;
        return builder;
    }

    /// <summary>Where the inventory is, without secrets: postgresql://user@host:port/database.</summary>
    public static string Describe(NpgsqlConnectionStringBuilder settings)
    {
        var user = string.IsNullOrEmpty(settings.Username) ? "" : settings.Username + "@";
        var database = string.IsNullOrEmpty(settings.Database) ? settings.Username ?? "" : settings.Database;
        return $"postgresql://{user}{settings.Host}:{settings.Port}/{database}";
    }

    /// <summary>
    /// The settings of the pool every read and transaction runs on: Npgsql's reset of a connection returned to the pool
    /// (a DISCARD ALL sent ahead of its next command, run by the server each time) is turned off. It exists for
    /// applications that leave session state behind; the inventory leaves none on a pooled connection — its session
    /// locks live on the lock session (<see cref="ForLocks"/>), its other advisory locks are transaction-level, it sets no
    /// setting, prepares nothing and makes no temporary table, and Npgsql rolls back a transaction left open itself.
    /// Measured: the reset was a server command for every read, a quarter of a one-row read's cost.
    /// </summary>
    public static string ForReads(NpgsqlConnectionStringBuilder settings) =>
        new NpgsqlConnectionStringBuilder(settings.ConnectionString) { NoResetOnClose = true }.ConnectionString;

    /// <summary>
    /// The settings of the lock session (<see cref="PostgresLockSession"/>, one per process and database): unpooled, so
    /// closing it ends its server session and with it every advisory lock it held (a pooled connection would keep the
    /// session — and the locks — alive in the pool). Named after this process, so that a waiter can tell who holds a lock.
    /// </summary>
    public static string ForLocks(NpgsqlConnectionStringBuilder settings)
    {
        var locks = new NpgsqlConnectionStringBuilder(settings.ConnectionString)
        {
            Pooling = false,
            ApplicationName = Truncate($"{ApplicationName} {Environment.MachineName}/{Environment.ProcessId}", 63),
            // A host killed outright closes its socket and the server ends the session at once. One that vanishes
            // without closing it (power loss, a cut network) is found by the server's TCP keepalives, asked for here
            // for these sessions only: about 35 s instead of the kernel's two hours before its locks are free.
            Options = ((settings.Options ?? "") + " -c tcp_keepalives_idle=15 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=4").Trim(),
        };
        return locks.ConnectionString;
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];
}
