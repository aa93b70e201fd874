using System.Diagnostics;
using System.Runtime.CompilerServices;
using Npgsql;

namespace StorageSnapshot.Engine.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL server of one test's own: tests/infrastructure/postgres.sh with its directory under
/// /tmp/storagesnapshot-pg-private-* (initdb, 127.0.0.1, the next free port), so that the test can restart or stop it
/// without disturbing the tests sharing <see cref="PostgresTestServer"/>'s server. Stopped and deleted on dispose.
/// Needs what the shared server needs (Debian's postgresql, root to run it as the postgres user); never installs it.
/// </summary>
public sealed class PrivatePostgresServer : IAsyncDisposable
{
    private readonly string _owner = $"test-{Guid.NewGuid():N}";

    private PrivatePostgresServer(string directory) => Directory = directory;

    /// <summary>The cluster's directory (data, log, port, connection).</summary>
    public string Directory { get; }

    /// <summary>A connection string of the server's role that may create databases (database "postgres").</summary>
    public string ConnectionString => File.ReadAllText(Path.Combine(Directory, "connection")).Trim();

    /// <summary>Creates and starts the server (about 4 s).</summary>
    public static async Task<PrivatePostgresServer> StartAsync()
    {
        var server = new PrivatePostgresServer(Path.Combine(Path.GetTempPath(), $"storagesnapshot-pg-private-{Guid.NewGuid():N}"[..40]));
        try
        {
            await server.RunAsync("start", "--owner", server._owner);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>A fresh database on this server; its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"ss_test_{Guid.NewGuid():N}"[..24];
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>A real restart: the server stopped (fast: sessions ended, open transactions rolled back) and started again.</summary>
    public async Task RestartAsync()
    {
        await RunAsync("stop");
        await RunAsync("start");
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await RunAsync("stop", "--owner", _owner);
    }

    private async Task RunAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Script());
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        info.Environment["STORAGESNAPSHOT_PG_DIR"] = Directory;
        info.Environment["STORAGESNAPSHOT_PG_SKIP_INSTALL"] = "1";
        info.Environment.Remove("STORAGESNAPSHOT_PG_PORT");
        using var process = Process.Start(info) ?? throw new InvalidOperationException("bash did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
            throw new Xunit.Sdk.XunitException($"postgres.sh {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{await output}{await errors}");
    }

    private static string Script([CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", "..", "infrastructure", "postgres.sh"));
}
