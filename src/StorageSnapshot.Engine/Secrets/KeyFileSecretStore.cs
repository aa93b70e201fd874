using System.Security.Cryptography;
using System.Text;
using StorageSnapshot.Engine.Platform;
using StorageSnapshot.Engine.Platform.Linux;

namespace StorageSnapshot.Engine.Secrets;

/// <summary>
/// AES-256-GCM with a per-user key in a file of its own: 32 random bytes, created on the first secret stored,
/// readable and writable by its owner only (0600, in an owner-only folder), never inside the database. The
/// protected text is <c>storagesnapshot-secret:v1:aesgcm:base64(nonce ‖ ciphertext ‖ tag)</c> with a fresh 96-bit
/// nonce per value and the purpose as associated data. A key file others may read is refused, as ssh refuses
/// such a private key: a secret is then no better kept than in clear.
/// </summary>
internal sealed class KeyFileSecretStore : ISecretStore
{
    private const string Scheme = "aesgcm";
    private const int KeyBytes = 32;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    private readonly object gate = new();
    private byte[]? key;

    /// <summary>A store whose key is (or will be created) at <paramref name="keyFile"/>.</summary>
    public KeyFileSecretStore(string keyFile)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyFile);
        KeyFile = Path.GetFullPath(keyFile);
    }

    /// <summary>The key file.</summary>
    public string KeyFile { get; }

    /// <inheritdoc />
    public string Description => $"the key file '{KeyFile}'";

    /// <inheritdoc />
    public string Protect(string secret, string purpose)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var plain = Encoding.UTF8.GetBytes(secret);
        var payload = new byte[NonceBytes + plain.Length + TagBytes];
        var nonce = payload.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(Key(create: true), TagBytes))
        {
            aes.Encrypt(nonce, plain, payload.AsSpan(NonceBytes, plain.Length), payload.AsSpan(NonceBytes + plain.Length), Encoding.UTF8.GetBytes(purpose));
        }
        CryptographicOperations.ZeroMemory(plain);
        return ProtectedText.Format(Scheme, payload);
    }

    /// <inheritdoc />
    public string Reveal(string protectedText, string purpose)
    {
        var payload = ProtectedText.Payload(protectedText, Scheme);
        if (payload is null || payload.Length < NonceBytes + TagBytes)
            throw new SecretUnavailableException($"The stored secret is not one this store wrote (expected the '{Scheme}' scheme of {Description}).");
        var plain = new byte[payload.Length - NonceBytes - TagBytes];
        try
        {
            using var aes = new AesGcm(Key(create: false), TagBytes);
            aes.Decrypt(payload.AsSpan(0, NonceBytes), payload.AsSpan(NonceBytes, plain.Length), payload.AsSpan(NonceBytes + plain.Length), plain, Encoding.UTF8.GetBytes(purpose));
            return Encoding.UTF8.GetString(plain);
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new SecretUnavailableException(
                $"The stored secret cannot be decrypted with {Description}: it was protected with another key (another user or host, or the key file was replaced).");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    private byte[] Key(bool create)
    {
        lock (gate)
        {
            if (key is not null) return key;
            if (!File.Exists(KeyFile))
            {
                if (!create)
                {
                    throw new SecretUnavailableException(
                        $"The stored secret cannot be decrypted: there is no key at {Description} (it was deleted, or the secret was stored by another user or on another host).");
                }
                CreateKeyFile();
            }
            key = ReadKeyFile();
            return key;
        }
    }

    /// <summary>Writes a new key beside its final name and links it into place, so that two processes agree on one key.</summary>
    private void CreateKeyFile()
    {
        FilePermissions.OwnerOnly.CreateDirectory(Path.GetDirectoryName(KeyFile)!);
        var temporary = $"{KeyFile}.{Guid.NewGuid():N}.tmp";
        var fresh = RandomNumberGenerator.GetBytes(KeyBytes);
        try
        {
            using (var stream = new FileStream(temporary, FilePermissions.OwnerOnly.NewFile(FileAccess.Write)))
            {
                stream.Write(fresh);
                stream.Flush(flushToDisk: true);
            }
            // No overwrite, atomically (renameat2 RENAME_NOREPLACE, as the repository's format file): if another process
            // made the key first, its key is the one. The directory is synced so that a key secrets were sealed with
            // survives a crash.
            if (DurableFileSystem.TryRenameNoReplace(temporary, KeyFile))
            {
                DurableFileSystem.SyncDirectory(Path.GetDirectoryName(KeyFile)!);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(fresh);
            StrayFiles.TryDelete(temporary);
        }
    }

    private byte[] ReadKeyFile()
    {
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(KeyFile);
            var others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
            if ((mode & others) != 0)
            {
                throw new SecretUnavailableException(
                    $"{char.ToUpperInvariant(Description[0])}{Description[1..]} may be read or written by others (mode {FilePermissions.Octal(mode)}); it is not used until it is the owner's alone.")
                {
                    RecommendedAction = $"chmod 600 '{KeyFile}' (and check who may have read it).",
                };
            }
        }
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(KeyFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SecretUnavailableException($"{char.ToUpperInvariant(Description[0])}{Description[1..]} cannot be read: {e.Message}");
        }
        if (bytes.Length != KeyBytes)
            throw new SecretUnavailableException($"{char.ToUpperInvariant(Description[0])}{Description[1..]} is not a StorageSnapshot key ({bytes.Length} bytes, not {KeyBytes}).");
        return bytes;
    }
}
