using Npgsql;
using StorageSnapshot.Engine.Inventory.Postgres;

namespace StorageSnapshot.Engine.Tests.Inventory;

/// <summary>The connection settings the PostgreSQL inventory derives from the one it is given (no server needed).</summary>
public sealed class PostgresConnectionTests
{
    private const string Given = "Host=db1;Port=5433;Database=inv;Username=ops;Password=secret;Timeout=7";

    [Fact]
    public void Reads_run_on_a_pool_that_sends_no_reset_and_keeps_everything_else()
    {
        var reads = new NpgsqlConnectionStringBuilder(PostgresConnection.ForReads(PostgresConnection.Parse(Given)));

        // No DISCARD ALL before every reuse of a pooled connection: the inventory leaves no session state on one.
        Assert.True(reads.NoResetOnClose);
        Assert.True(reads.Pooling);
        Assert.Equal(("db1", 5433, "inv", "ops", "secret", 7), (reads.Host, reads.Port, reads.Database, reads.Username, reads.Password, reads.Timeout));
        Assert.Equal(PostgresConnection.ApplicationName, reads.ApplicationName);
    }

    [Fact]
    public void The_lock_session_is_unpooled_and_named_after_this_process()
    {
        var locks = new NpgsqlConnectionStringBuilder(PostgresConnection.ForLocks(PostgresConnection.Parse(Given)));

        Assert.False(locks.Pooling);
        Assert.EndsWith($"/{Environment.ProcessId}", locks.ApplicationName, StringComparison.Ordinal);
        Assert.Equal(("db1", "inv", "ops"), (locks.Host, locks.Database, locks.Username));
    }
}
