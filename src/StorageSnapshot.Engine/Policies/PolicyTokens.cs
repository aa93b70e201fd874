using System.Globalization;

namespace StorageSnapshot.Engine.Policies;

/// <summary>
/// The client token of a policy's snapshot: <c>policy:&lt;name&gt;:&lt;slot yyyyMMddTHHmmssZ&gt;</c>. It makes a
/// slot's snapshot idempotent (a re-run, a second scheduler firing at once, a run after a crash find it instead of
/// taking another) and it is how retention knows what a policy made and which slot a snapshot stands for: the token
/// is written with the snapshot in one step and never changes, unlike tags.
/// </summary>
internal static class PolicyTokens
{
    private const string Prefix = "policy:";
    private const string SlotFormat = "yyyyMMdd'T'HHmmss'Z'";

    /// <summary>Longest policy name: the token must fit the 128 characters a client token may have.</summary>
    public const int MaxPolicyNameLength = 64;

    /// <summary>The token of <paramref name="policy"/>'s snapshot for <paramref name="slotUtc"/>.</summary>
    public static string For(string policy, DateTime slotUtc) =>
        Prefix + policy + ":" + slotUtc.ToUniversalTime().ToString(SlotFormat, CultureInfo.InvariantCulture);

    /// <summary>The policy and slot a token names, when it is a policy's token.</summary>
    public static bool TryParse(string? token, out string policy, out DateTime slotUtc)
    {
        policy = "";
        slotUtc = default;
        if (token is null || !token.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        var last = token.LastIndexOf(':');
        if (last <= Prefix.Length) return false;
        if (!DateTime.TryParseExact(token.AsSpan(last + 1), SlotFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out slotUtc)) return false;
        policy = token[Prefix.Length..last];
        return policy.Length > 0;
    }

    /// <summary>True when the token is <paramref name="policy"/>'s (names compare case-insensitively).</summary>
    public static bool IsOf(string? token, string policy, out DateTime slotUtc) =>
        TryParse(token, out var owner, out slotUtc) && string.Equals(owner, policy, StringComparison.OrdinalIgnoreCase);
}
