using System.Text.RegularExpressions;

namespace StorageSnapshot.Module.Tests.Infrastructure;

/// <summary>
/// Reads the keys of a .psd1 module manifest from its text (no PowerShell here): `Key = 'value'` and
/// `Key = @( 'a', 'b' )`. Enough for the flat keys these tests check.
/// </summary>
public sealed partial class ManifestText(string path)
{
    private readonly string text = StripComments(File.ReadAllText(path));

    public string Path { get; } = path;

    public string? Value(string key)
    {
        var match = Regex.Match(text, $@"^\s*{key}\s*=\s*'([^']*)'", RegexOptions.Multiline);
        return match.Success ? match.Groups[1].Value : null;
    }

    /// <summary>The strings of `Key = @(...)`, or null when the key is missing or not a list.</summary>
    public IReadOnlyList<string>? List(string key)
    {
        var match = Regex.Match(text, $@"^\s*{key}\s*=\s*@\((.*?)\)", RegexOptions.Multiline | RegexOptions.Singleline);
        return match.Success ? Quoted().Matches(match.Groups[1].Value).Select(m => m.Groups[1].Value).ToArray() : null;
    }

    /// <summary>A key given either as a single string or as a list.</summary>
    public IReadOnlyList<string> Values(string key) => List(key) ?? (Value(key) is { } single ? [single] : []);

    [GeneratedRegex("'([^']*)'")]
    private static partial Regex Quoted();

    private static string StripComments(string source) =>
        string.Join('\n', source.Split('\n').Where(line => !line.TrimStart().StartsWith('#')));
}
