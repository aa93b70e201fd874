namespace StorageSnapshot.Drivers;

/// <summary>
/// Keeps secrets out of text that leaves the engine: the mask shown instead of a secret, and the scrubbing of
/// messages (a driver's exception, a validation problem) that might quote one.
/// </summary>
public static class SecretText
{
    /// <summary>What is shown instead of a secret.</summary>
    public const string Masked = "********";

    /// <summary>The mask.</summary>
    public static string Mask() => Masked;

    /// <summary><paramref name="text"/> with every occurrence of each secret (of 1 character or more) replaced by the mask.</summary>
    public static string Mask(string text, IEnumerable<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(text);
        // Longest first, so that a secret containing another is masked whole.
        foreach (var secret in secrets.Where(s => !string.IsNullOrEmpty(s)).Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length))
            text = text.Replace(secret, Masked, StringComparison.Ordinal);
        return text;
    }

    /// <summary>True when any of <paramref name="secrets"/> occurs in <paramref name="text"/>.</summary>
    public static bool Contains(string? text, IEnumerable<string> secrets) =>
        text is not null && secrets.Any(s => !string.IsNullOrEmpty(s) && text.Contains(s, StringComparison.Ordinal));

    /// <summary>
    /// <paramref name="error"/>, or — when its message or that of any inner exception quotes a secret — an exception
    /// of the same message masked and no inner chain (an ErrorRecord shows the chain; the secret must not be in it).
    /// </summary>
    public static Exception Scrub(Exception error, IReadOnlyCollection<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (secrets.Count == 0) return error;
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (Contains(e.Message, secrets)) return new ScrubbedException(error.GetType().FullName ?? "Exception", Mask(error.Message, secrets));
        }
        return error;
    }

    /// <summary>Stands in for a driver's exception whose text quoted a secret: its type name and masked message.</summary>
    public sealed class ScrubbedException(string originalType, string message) : Exception(message)
    {
        /// <summary>The type of the exception it replaces.</summary>
        public string OriginalType { get; } = originalType;
    }
}
