namespace StorageSnapshot.Engine.Secrets;

/// <summary>
/// The stored form of a protected secret: <c>storagesnapshot-secret:v1:&lt;scheme&gt;:&lt;base64&gt;</c>, so that it is
/// recognised as such (never protected twice, never handed to a driver as if it were the secret) and a newer
/// scheme can be added beside the old ones.
/// </summary>
internal static class ProtectedText
{
    /// <summary>What every protected text starts with.</summary>
    public const string Prefix = "storagesnapshot-secret:v1:";

    /// <summary>True for a protected text.</summary>
    public static bool IsProtected(string? value) => value is not null && value.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The text for <paramref name="payload"/> under <paramref name="scheme"/>.</summary>
    public static string Format(string scheme, ReadOnlySpan<byte> payload) => $"{Prefix}{scheme}:{Convert.ToBase64String(payload)}";

    /// <summary>The payload of <paramref name="text"/> if it uses <paramref name="scheme"/>; null if not, or if it is malformed.</summary>
    public static byte[]? Payload(string text, string scheme)
    {
        var head = $"{Prefix}{scheme}:";
        if (!text.StartsWith(head, StringComparison.Ordinal)) return null;
        try
        {
            return Convert.FromBase64String(text[head.Length..]);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
