using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using StorageSnapshot.Engine.Secrets;

namespace StorageSnapshot.Engine.Facade;

/// <summary>
/// The per-user choice of inventory that Set-StorageInventory writes: inventory.json in the home folder (owner-only).
/// A PostgreSQL connection string is stored without its password; a password given with -Credential is stored
/// protected by the user's secret store (<see cref="ISecretStore"/>: the key file or DPAPI, as backend secrets are),
/// bound to this purpose. Without one, the password comes from where Npgsql finds it: PGPASSWORD or a pgpass file.
/// </summary>
internal sealed record InventorySetting(InventoryKind Kind, string? Path, string? ConnectionString, string? ProtectedPassword)
{
    /// <summary>The file's name in the home folder.</summary>
    public const string FileName = "inventory.json";

    private const string PasswordPurpose = "inventory/postgresql/password";

    /// <summary>The setting in <paramref name="homeDirectory"/>, or null when there is none.</summary>
    public static InventorySetting? Read(string homeDirectory)
    {
        var file = System.IO.Path.Combine(homeDirectory, FileName);
        if (!File.Exists(file)) return null;
        try
        {
            var json = JObject.Parse(File.ReadAllText(file));
            var kind = Enum.Parse<InventoryKind>((string?)json["kind"] ?? throw new FormatException("it names no kind"), ignoreCase: true);
            return new InventorySetting(kind, (string?)json["path"], (string?)json["connectionString"], (string?)json["password"]);
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException or IOException)
        {
            throw new InventoryUnavailableException(
                $"The inventory setting '{file}' is unreadable ({e.Message}); choose the inventory again, or delete the file to use the default.", e);
        }
    }

    /// <summary>
    /// Writes the setting (owner-only), replacing the file whole and durably: written to a temporary of its own,
    /// fsynced, renamed over the file, and the folder fsynced — after a crash the file holds the old choice or the new
    /// one, never an empty file, and commands choosing at once each leave a whole file (the last rename wins).
    /// </summary>
    public void Write(string homeDirectory)
    {
        Platform.FilePermissions.OwnerOnly.CreateDirectory(homeDirectory);
        var file = System.IO.Path.Combine(homeDirectory, FileName);
        var json = new JObject { ["kind"] = Kind.ToString() };
        if (Path is not null) json["path"] = Path;
        if (ConnectionString is not null) json["connectionString"] = ConnectionString;
        if (ProtectedPassword is not null) json["password"] = ProtectedPassword;
        var temporary = $"{file}.{Guid.NewGuid():N}.new";
        try
        {
            using (var stream = new FileStream(temporary, Platform.FilePermissions.OwnerOnly.NewFile(FileAccess.Write, FileShare.None, FileMode.CreateNew, bufferSize: 4096)))
            {
                using (var writer = new StreamWriter(stream, leaveOpen: true)) writer.Write(json.ToString(Formatting.Indented));
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, file, overwrite: true);
        }
        catch
        {
            Platform.StrayFiles.TryDelete(temporary);
            throw;
        }
        Platform.Linux.DurableFileSystem.SyncDirectory(homeDirectory);
    }

    /// <summary>Removes the setting, durably: the default inventory is used again.</summary>
    public static void Clear(string homeDirectory)
    {
        var file = System.IO.Path.Combine(homeDirectory, FileName);
        if (!File.Exists(file)) return;
        File.Delete(file);
        Platform.Linux.DurableFileSystem.SyncDirectory(homeDirectory);
    }

    /// <summary>The setting for a PostgreSQL connection string: its password, if any, moved out of it and protected.</summary>
    public static InventorySetting ForPostgres(string connectionString, string? password, ISecretStore secrets)
    {
        var builder = Inventory.Postgres.PostgresConnection.Parse(connectionString);
        // A password written in the connection string is protected too: the file never holds one in clear.
        password ??= builder.Password;
        builder.Password = null;
        builder.ApplicationName = null;
        return new InventorySetting(InventoryKind.PostgreSql, null, builder.ConnectionString,
            string.IsNullOrEmpty(password) ? null : secrets.Protect(password, PasswordPurpose));
    }

    /// <summary>The connection string to open, with the protected password revealed into it.</summary>
    public string RevealConnectionString(ISecretStore secrets)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString ?? throw new InvalidOperationException("Not a PostgreSQL setting."));
        if (ProtectedPassword is not null) builder.Password = secrets.Reveal(ProtectedPassword, PasswordPurpose);
        return builder.ConnectionString;
    }
}
