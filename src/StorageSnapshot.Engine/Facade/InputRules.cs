using System.Globalization;

namespace StorageSnapshot.Engine.Facade;

/// <summary>
/// Checks on input other than names (<see cref="Naming.NameRules"/> does those). Each adds one sentence per
/// problem to a list, so that a caller reports them all at once; <see cref="ThrowIfAny"/> raises them as one
/// InvalidArgument error. They run before ShouldProcess and before anything is written.
/// </summary>
internal static class InputRules
{
    /// <summary>Largest volume accepted: 1 PiB.</summary>
    public const long MaxVolumeBytes = 1L << 50;

    /// <summary>Longest tag key.</summary>
    public const int MaxTagKeyLength = 128;

    /// <summary>Longest tag value.</summary>
    public const int MaxTagValueLength = 256;

    /// <summary>Longest client token.</summary>
    public const int MaxClientTokenLength = 128;

    /// <summary>Longest description or maintenance reason.</summary>
    public const int MaxTextLength = 1024;

    public static void Size(long sizeBytes, List<string> problems)
    {
        if (sizeBytes <= 0) problems.Add($"The size must be positive; got {sizeBytes.ToString(CultureInfo.InvariantCulture)} bytes.");
        else if (sizeBytes > MaxVolumeBytes) problems.Add($"The size {sizeBytes.ToString(CultureInfo.InvariantCulture)} bytes is larger than the limit of 1 PiB ({MaxVolumeBytes.ToString(CultureInfo.InvariantCulture)} bytes).");
    }

    public static void Tags<TValue>(IReadOnlyDictionary<string, TValue>? tags, List<string> problems)
    {
        if (tags is null) return;
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in tags)
        {
            if (string.IsNullOrWhiteSpace(key)) problems.Add("A tag key is empty; tag keys must have 1 to 128 characters.");
            else if (key.Length > MaxTagKeyLength) problems.Add($"The tag key '{key[..32]}…' has {key.Length} characters; at most {MaxTagKeyLength} are allowed.");
            else if (!seen.Add(key)) problems.Add($"The tag key '{key}' is given twice (tag keys are case-insensitive).");
            if (value is string text && text.Length > MaxTagValueLength)
                problems.Add($"The value of tag '{key}' has {text.Length} characters; at most {MaxTagValueLength} are allowed.");
        }
    }

    /// <summary>An expiry must lie in the future. Unspecified kinds are taken as local time, as PowerShell's [datetime] gives them.</summary>
    public static DateTime? Expiry(DateTime? expiresAt, DateTime utcNow, List<string> problems)
    {
        if (expiresAt is null) return null;
        var utc = expiresAt.Value.Kind == DateTimeKind.Utc ? expiresAt.Value : expiresAt.Value.ToUniversalTime();
        if (utc <= utcNow)
            problems.Add($"The expiry {utc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}Z is not in the future.");
        return utc;
    }

    public static void Text(string what, string? text, List<string> problems)
    {
        if (text is not null && text.Length > MaxTextLength)
            problems.Add($"The {what} has {text.Length} characters; at most {MaxTextLength} are allowed.");
    }

    public static void ClientToken(string? token, List<string> problems)
    {
        if (token is null) return;
        if (string.IsNullOrWhiteSpace(token)) problems.Add("The client token is empty.");
        else if (token.Length > MaxClientTokenLength) problems.Add($"The client token has {token.Length} characters; at most {MaxClientTokenLength} are allowed.");
    }

    /// <summary>One InvalidArgument error with every problem, when there is any; <paramref name="hint"/> says what to do about one of them.</summary>
    public static void ThrowIfAny(List<string> problems, object? target, ErrorHint? hint = null)
    {
        if (problems.Count > 0) throw new ValidationException(ErrorIds.InvalidArgument, problems, target) { Hint = hint };
    }

    /// <summary>"1 GiB", "512 MiB", "17 bytes".</summary>
    public static string HumanSize(long bytes)
    {
        string[] units = { "KiB", "MiB", "GiB", "TiB", "PiB" };
        if (bytes < 1024) return $"{bytes.ToString(CultureInfo.InvariantCulture)} bytes";
        double value = bytes;
        var unit = -1;
        while (value >= 1024 && unit < units.Length - 1) { value /= 1024; unit++; }
        return $"{value.ToString("0.##", CultureInfo.InvariantCulture)} {units[unit]}";
    }
}
