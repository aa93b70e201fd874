namespace StorageSnapshot.Engine.Secrets;

/// <summary>The secret store an engine uses when its options name none.</summary>
internal static class SecretStores
{
    /// <summary>Environment variable naming the key file (default: secrets.key in the home folder).</summary>
    public const string KeyFileVariable = "STORAGESNAPSHOT_SECRET_KEY_FILE";

    /// <summary>The key file's name in the home folder.</summary>
    public const string DefaultKeyFileName = "secrets.key";

    /// <summary>
    /// Windows: DPAPI for the current user. Elsewhere: AES-GCM with the key file $STORAGESNAPSHOT_SECRET_KEY_FILE,
    /// or secrets.key in the home folder (beside the inventory, not in it: a copy of the database alone reveals no
    /// secret; keep the key out of backups you send elsewhere, or point the variable at another disk).
    /// </summary>
    public static ISecretStore ForUser(string homeDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(homeDirectory);
        if (OperatingSystem.IsWindows()) return new DpapiSecretStore();
        var keyFile = Environment.GetEnvironmentVariable(KeyFileVariable);
        return new KeyFileSecretStore(string.IsNullOrWhiteSpace(keyFile) ? Path.Combine(homeDirectory, DefaultKeyFileName) : keyFile);
    }
}
