using StorageSnapshot.Engine.Drivers;

namespace StorageSnapshot.Engine.Secrets;

/// <summary>
/// The secret properties of backends, between the façade and the inventory. A backend's properties are stored with
/// every secret one (<see cref="PropertyDefinition.IsSecret"/>) protected by the <see cref="ISecretStore"/>; the
/// inventory, the journal, events and every object the engine returns hold the protected text or "********",
/// never the secret. The clear values exist only on their way to a driver: <see cref="Reveal"/> is called where a
/// driver is handed a backend's properties (opening a session, validating), and nowhere else.
/// </summary>
internal sealed class BackendSecrets
{
    /// <summary>Creates the helper over <paramref name="store"/>.</summary>
    public BackendSecrets(ISecretStore store) => Store = store;

    /// <summary>The store.</summary>
    public ISecretStore Store { get; }

    /// <summary>What binds a protected value to its backend and property (AES-GCM associated data, DPAPI entropy).</summary>
    public static string Purpose(string backend, string property) =>
        $"storagesnapshot/backend/{backend.ToLowerInvariant()}/{property.ToLowerInvariant()}";

    /// <summary>The properties to store: secret ones protected (values already protected are kept as they are).</summary>
    public IReadOnlyDictionary<string, string> Protect(IStorageDriver driver, string backend, IReadOnlyDictionary<string, string> properties)
    {
        var stored = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in properties)
        {
            stored[name] = driver.Descriptor.Schema.IsSecret(name) && !ProtectedText.IsProtected(value)
                ? Store.Protect(value, Purpose(backend, name))
                : value;
        }
        return stored;
    }

    /// <summary>
    /// The clear properties of <paramref name="backend"/>, for its driver. <paramref name="replaced"/> names properties
    /// about to get new values: they are not revealed (so a secret whose key is lost can be set again).
    /// Throws <see cref="SecretUnavailableException"/> naming the backend, the property and the key.
    /// </summary>
    public IReadOnlyDictionary<string, string> Reveal(Backend backend, IReadOnlyCollection<string>? replaced = null)
    {
        var clear = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var unavailable = new List<string>();
        SecretUnavailableException? first = null;
        foreach (var (name, value) in backend.Properties)
        {
            if (!ProtectedText.IsProtected(value) || (replaced?.Contains(name, StringComparer.OrdinalIgnoreCase) ?? false))
            {
                clear[name] = value;
                continue;
            }
            try
            {
                clear[name] = Store.Reveal(value, Purpose(backend.Name, name));
            }
            catch (SecretUnavailableException e)
            {
                unavailable.Add(name);
                first ??= e;
            }
        }
        if (first is null) return clear;
        var named = string.Join(", ", unavailable.Select(n => $"'{n}'"));
        throw new SecretUnavailableException(
            $"The secret propert{(unavailable.Count == 1 ? "y" : "ies")} {named} of backend '{backend.Name}' cannot be used: {first.Message}", backend.Name)
        {
            // The key store's own advice (a key file others may read) comes first; else: set the secrets again.
            RecommendedAction = first.RecommendedAction
                                ?? $"Set {(unavailable.Count == 1 ? "it" : "them")} again as this user: the credential, and the other secret properties of backend '{backend.Name}'.",
            Hint = first.RecommendedAction is null ? ErrorHint.SetSecretsAgain(backend.Name) : null,
        };
    }

    /// <summary>The clear values of the secret properties in <paramref name="clear"/>, to mask in messages.</summary>
    public static IReadOnlyCollection<string> SecretValues(IStorageDriver driver, IReadOnlyDictionary<string, string> clear) =>
        clear.Where(p => driver.Descriptor.Schema.IsSecret(p.Key) && !ProtectedText.IsProtected(p.Value) && p.Value.Length > 0)
            .Select(p => p.Value)
            .ToArray();
}
