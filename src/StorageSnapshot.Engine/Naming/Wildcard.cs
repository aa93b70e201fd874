using System.Text;
using System.Text.RegularExpressions;

namespace StorageSnapshot.Engine.Naming;

/// <summary>
/// PowerShell-style wildcard patterns (*, ?, [abc], [a-z], ` escapes), matched case-insensitively. The engine
/// cannot use System.Management.Automation.WildcardPattern, so it carries this small equivalent.
/// </summary>
internal sealed class Wildcard
{
    private readonly Regex? regex;
    private readonly string literal;

    private Wildcard(string pattern)
    {
        if (UnclosedBracket(pattern) is { } at)
        {
            // PowerShell's own WildcardPattern refuses these too; treating '[' as a literal would silently match nothing.
            throw new ValidationException(ErrorIds.InvalidArgument,
                new[] { $"The wildcard pattern '{pattern}' is not valid: the '[' at position {at + 1} has no closing ']'. Escape it as '`[' to match a '['." }, pattern);
        }
        Pattern = pattern;
        literal = pattern;
        if (ContainsWildcard(pattern)) regex = new Regex(ToRegex(pattern), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        else literal = Unescape(pattern);
    }

    /// <summary>The pattern as given.</summary>
    public string Pattern { get; }

    /// <summary>True when the pattern has wildcard characters (a plain name that matches nothing is an error; a pattern is not).</summary>
    public bool IsPattern => regex is not null;

    /// <summary>Parses a pattern.</summary>
    public static Wildcard Parse(string pattern) => new(pattern);

    /// <summary>True when <paramref name="pattern"/> contains unescaped *, ? or [.</summary>
    public static bool ContainsWildcard(string pattern)
    {
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == '`') { i++; continue; }
            if (pattern[i] is '*' or '?' or '[') return true;
        }
        return false;
    }

    private static int? UnclosedBracket(string pattern)
    {
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == '`') { i++; continue; }
            if (pattern[i] != '[') continue;
            var close = pattern.IndexOf(']', i + 1);
            if (close < 0) return i;
            i = close;
        }
        return null;
    }

    /// <summary>True when <paramref name="value"/> matches.</summary>
    public bool IsMatch(string value) =>
        regex?.IsMatch(value) ?? string.Equals(value, literal, StringComparison.OrdinalIgnoreCase);

    private static string Unescape(string pattern)
    {
        var sb = new StringBuilder(pattern.Length);
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == '`' && i + 1 < pattern.Length) i++;
            sb.Append(pattern[i]);
        }
        return sb.ToString();
    }

    private static string ToRegex(string pattern)
    {
        var sb = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '`' when i + 1 < pattern.Length:
                    sb.Append(Regex.Escape(pattern[++i].ToString()));
                    break;
                case '*': sb.Append(".*"); break;
                case '?': sb.Append('.'); break;
                case '[':
                    var close = pattern.IndexOf(']', i + 1);
                    if (close < 0) { sb.Append(@"\["); break; }
                    var set = pattern.Substring(i + 1, close - i - 1);
                    sb.Append('[').Append(set.Replace(@"\", @"\\").Replace("^", @"\^")).Append(']');
                    i = close;
                    break;
                default: sb.Append(Regex.Escape(c.ToString())); break;
            }
        }
        return sb.Append('$').ToString();
    }
}
