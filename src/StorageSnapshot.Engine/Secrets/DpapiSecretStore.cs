using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;

namespace StorageSnapshot.Engine.Secrets;

/// <summary>
/// Windows: DPAPI for the current user (ProtectedData, CurrentUser scope), the purpose as entropy. The key is the
/// user's own, kept by Windows; the protected text is <c>storagesnapshot-secret:v1:dpapi:base64</c>.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed class DpapiSecretStore : ISecretStore
{
    private const string Scheme = "dpapi";

    /// <inheritdoc />
    public string Description => "Windows DPAPI (current user)";

    /// <inheritdoc />
    public string Protect(string secret, string purpose)
    {
        var plain = Encoding.UTF8.GetBytes(secret);
        try
        {
            return ProtectedText.Format(Scheme, ProtectedData.Protect(plain, Encoding.UTF8.GetBytes(purpose), DataProtectionScope.CurrentUser));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <inheritdoc />
    public string Reveal(string protectedText, string purpose)
    {
        var payload = ProtectedText.Payload(protectedText, Scheme)
                      ?? throw new SecretUnavailableException($"The stored secret is not one {Description} wrote.");
        try
        {
            var plain = ProtectedData.Unprotect(payload, Encoding.UTF8.GetBytes(purpose), DataProtectionScope.CurrentUser);
            try
            {
                return Encoding.UTF8.GetString(plain);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(plain);
            }
        }
        catch (CryptographicException)
        {
            throw new SecretUnavailableException($"The stored secret cannot be decrypted with {Description}: it was protected by another user or on another machine.");
        }
    }
}
