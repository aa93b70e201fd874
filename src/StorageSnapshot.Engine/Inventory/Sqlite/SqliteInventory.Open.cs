using Microsoft.Data.Sqlite;
using StorageSnapshot.Engine.Inventory.Sqlite.Migrations;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

internal sealed partial class SqliteInventory
{
    /// <summary>How long a writer waits for another process's transaction before InventoryUnavailable.</summary>
    public static readonly TimeSpan DefaultBusyTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Opens (creating the folder and file if needed) the inventory at <paramref name="path"/> and brings its
    /// schema up to date. Throws <see cref="InventoryUnavailableException"/> when the file is not an inventory,
    /// is of a newer schema than this build, or stays locked past the busy timeout.
    /// </summary>
    public static Task<SqliteInventory> OpenAsync(string path, CancellationToken cancellationToken) =>
        OpenAsync(path, SqliteMigrations.All, DefaultBusyTimeout, cancellationToken);

    /// <summary>Opens with a given migration list and busy timeout (tests: older/newer schemas, lock timeouts).</summary>
    internal static async Task<SqliteInventory> OpenAsync(string path, IReadOnlyList<SqliteMigration> migrations, TimeSpan busyTimeout, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var fullPath = Path.GetFullPath(path);
        try
        {
            Platform.FilePermissions.OwnerOnly.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InventoryUnavailableException($"Cannot create the inventory folder for '{fullPath}': {e.Message}", e);
        }

        CreateOwnerOnlyFile(fullPath);

        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            // One connection per instance, closed on dispose: pooling would keep the file open after that.
            Pooling = false,
            // Microsoft.Data.Sqlite retries busy statements for this long on top of SQLite's own busy handler.
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(busyTimeout.TotalSeconds)),
        }.ToString();

        SqliteThreadingMode.Ensure();
        var connection = new SqliteConnection(connectionString);
        var session = new SqliteSession(connection, fullPath, busyTimeout);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await ConfigureAsync(connection, busyTimeout, fullPath, cancellationToken).ConfigureAwait(false);
            await SqliteMigrator.ApplyAsync(connection, fullPath, migrations, cancellationToken).ConfigureAwait(false);
            return new SqliteInventory(session);
        }
        catch (SqliteException e)
        {
            session.Dispose();
            if (e.IsNotADatabase())
            {
                throw new InventoryUnavailableException(
                    $"'{fullPath}' is not a StorageSnapshot inventory: it is not an SQLite database ({e.Message}). " +
                    "Move it away or point STORAGESNAPSHOT_HOME at another folder.", e);
            }
            if (e.IsBusy()) throw SqliteErrors.Locked(fullPath, busyTimeout, e);
            throw new InventoryUnavailableException($"Cannot open the inventory '{fullPath}': {e.Message}", e);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Creates a new inventory file readable and writable by its owner only (0600) on Unix. Backend properties
    /// the driver marks secret (passwords given with -Credential) are stored in it; SQLite gives the -wal and
    /// -shm files the database file's permissions. An existing file keeps the permissions it has. Windows
    /// relies on the per-user profile folder's ACL.
    /// </summary>
    private static void CreateOwnerOnlyFile(string fullPath)
    {
        if (OperatingSystem.IsWindows() || File.Exists(fullPath)) return;
        try
        {
            using var created = new FileStream(fullPath, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException) when (File.Exists(fullPath))
        {
            // Another process created it first: it applied the same mode.
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InventoryUnavailableException($"Cannot create the inventory file '{fullPath}': {e.Message}", e);
        }
    }

    private static async Task ConfigureAsync(SqliteConnection connection, TimeSpan busyTimeout, string path, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        // busy_timeout first, so that switching to WAL waits for another process too.
        command.CommandText = $"PRAGMA busy_timeout = {(long)busyTimeout.TotalMilliseconds}";
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

        command.CommandText = "PRAGMA journal_mode = WAL";
        var mode = Convert.ToString(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new InventoryUnavailableException(
                $"The inventory '{path}' cannot use write-ahead logging (journal mode stays '{mode}'); keep it on a local disk.");
        }

        // FULL: a committed transaction survives power loss, not just a crash of the process.
        command.CommandText = "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON";
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
