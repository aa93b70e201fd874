namespace StorageSnapshot.Engine.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL server the shared-inventory tests run against: the one tests/infrastructure/postgres.sh starts
/// (.ci/run starts it before the tests). Found through STORAGESNAPSHOT_TEST_POSTGRES (what `postgres.sh env`
/// exports), else the script's well-known /tmp/storagesnapshot-pg-cluster/connection — so `bash tests/run.sh` on a
/// machine where the script started the server runs these tests with nothing else to set.
/// </summary>
public static class PostgresTestServer
{
    /// <summary>The connection string of a role that may create databases.</summary>
    public const string Variable = "STORAGESNAPSHOT_TEST_POSTGRES";

    /// <summary>Where tests/infrastructure/postgres.sh keeps the cluster unless told otherwise.</summary>
    public const string DefaultDirectory = "/tmp/storagesnapshot-pg-cluster";

    /// <summary>The prerequisite in words.</summary>
    public const string Description = "a PostgreSQL server (bash tests/infrastructure/postgres.sh start)";

    /// <summary>The server's connection string (to its maintenance database), or null.</summary>
    public static string? ConnectionString
    {
        get
        {
            var given = Environment.GetEnvironmentVariable(Variable);
            if (!string.IsNullOrWhiteSpace(given)) return given;
            var dir = Environment.GetEnvironmentVariable("STORAGESNAPSHOT_PG_DIR") is { Length: > 0 } d ? d : DefaultDirectory;
            var file = Path.Combine(dir, "connection");
            return File.Exists(file) ? File.ReadAllText(file).Trim() : null;
        }
    }

    /// <summary>A connection string is known.</summary>
    public static bool IsAvailable => ConnectionString is not null;

    /// <summary>Why a test that needs the server skips here, or null (never skipped under STORAGESNAPSHOT_INTEGRATION=required).</summary>
    public static string? SkipReason => Integration.Required || IsAvailable ? null
        : $"needs {Description} (or {Variable} set to a connection string of a role that may create databases); set STORAGESNAPSHOT_INTEGRATION=required to make this a failure";

    /// <summary>Fails the test (required) unless the server is there.</summary>
    public static void Require() =>
        Integration.Require(IsAvailable, $"the tests need {Description}; none found ({Variable} unset and no {DefaultDirectory}/connection)");
}
