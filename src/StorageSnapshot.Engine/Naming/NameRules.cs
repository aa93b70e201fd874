using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace StorageSnapshot.Engine.Naming;

/// <summary>
/// Naming rules for backends, volumes, snapshots and secondary storages. Names become file names and URI parts
/// in drivers, so they are kept to a portable alphabet: nothing that can escape a directory or need quoting.
/// </summary>
internal static partial class NameRules
{
    /// <summary>Longest name accepted.</summary>
    public const int MaxLength = 128;

    // \A and \z, never ^ and $: in .NET '$' also matches before a final "\n", which let "nl`n" through and made
    // a volume image literally named "nl\n.img" (issue 8).
    [GeneratedRegex(@"\A[A-Za-z0-9][A-Za-z0-9._-]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex AllowedName();

    /// <summary>The problem with <paramref name="name"/> as a <paramref name="kind"/> name, or null if it is fine.</summary>
    public static string? Check(string kind, string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return $"The {kind} name is empty" + (string.IsNullOrEmpty(name) ? "." : $" (only white space: '{Printable(name)}').");
        if (name.Length > MaxLength) return $"The {kind} name '{Printable(name[..32])}…' is {name.Length} characters long; at most {MaxLength} are allowed.";
        if (name.Contains("..", StringComparison.Ordinal)) return $"The {kind} name '{Printable(name)}' contains '..', which is not allowed.";
        if (!AllowedName().IsMatch(name))
        {
            var first = FirstDisallowed(name);
            var which = first is null ? "" : $" It {(first.Value.Index == 0 ? "starts with" : "contains")} {Describe(first.Value.Rune)}.";
            return $"The {kind} name '{Printable(name)}' is not valid: use letters, digits, '.', '_' and '-', starting with a letter or digit (no spaces, slashes or other characters).{which}";
        }
        return null;
    }

    /// <summary>Throws InvalidName when <paramref name="name"/> breaks the rules.</summary>
    public static string Require(string kind, string? name)
    {
        var problem = Check(kind, name);
        if (problem is not null) throw new ValidationException(ErrorIds.InvalidName, problem, name);
        return name!;
    }

    /// <summary>
    /// <paramref name="text"/> with control and other invisible characters written as <c>\u000A</c>-style escapes,
    /// so that a message quoting a bad name shows what is really in it (a trailing newline would otherwise look
    /// like the end of the line).
    /// </summary>
    public static string Printable(string text)
    {
        var printable = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (IsInvisible(rune)) printable.Append(CultureInfo.InvariantCulture, $"\\u{rune.Value:X4}");
            else printable.Append(rune.ToString());
        }
        return printable.ToString();
    }

    private static (int Index, Rune Rune)? FirstDisallowed(string name)
    {
        var index = 0;
        foreach (var rune in name.EnumerateRunes())
        {
            var allowed = rune.IsAscii && (Rune.IsLetterOrDigit(rune) || (index > 0 && rune.Value is '.' or '_' or '-'));
            if (!allowed) return (index, rune);
            index += rune.Utf16SequenceLength;
        }
        return null;
    }

    private static string Describe(Rune rune) => rune.Value switch
    {
        '\n' => "a line feed (U+000A)",
        '\r' => "a carriage return (U+000D)",
        '\t' => "a tab (U+0009)",
        ' ' => "a space",
        '.' or '_' or '-' => $"'{(char)rune.Value}'",
        _ when IsInvisible(rune) => $"the invisible character U+{rune.Value:X4}",
        _ => $"'{rune}' (U+{rune.Value:X4})",
    };

    private static bool IsInvisible(Rune rune) =>
        Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned
        || (Rune.IsWhiteSpace(rune) && rune.Value != ' ');
}
