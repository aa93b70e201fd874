namespace StorageSnapshot.Engine.Secrets;

/// <summary>
/// Keeps secrets unreadable at rest. <see cref="Protect"/> turns a secret into text that may be stored anywhere —
/// the inventory, a file other tools read — and <see cref="Reveal"/> turns it back, for this user only: the key is
/// kept outside whatever stores the text (a 0600 key file, or Windows DPAPI). <c>purpose</c> binds the text to
/// what it protects (a backend's property): revealed under another purpose it fails, so a protected value moved to
/// another row or property of a database is useless there.
/// Backend properties a driver declares secret go through <see cref="BackendSecrets"/>, which uses this; anything
/// else that must store a secret (a shared inventory's password, later) uses it directly.
/// </summary>
internal interface ISecretStore
{
    /// <summary>Where the key is, for messages ("the key file /home/a/.local/share/StorageSnapshot/secrets.key").</summary>
    string Description { get; }

    /// <summary>The protected text of <paramref name="secret"/> (starts with <see cref="ProtectedText.Prefix"/>).</summary>
    string Protect(string secret, string purpose);

    /// <summary>
    /// The secret behind <paramref name="protectedText"/>. Throws <see cref="SecretUnavailableException"/> when this
    /// store's key cannot open it (another user's or host's key, a replaced or deleted key file, tampered text).
    /// </summary>
    string Reveal(string protectedText, string purpose);
}
