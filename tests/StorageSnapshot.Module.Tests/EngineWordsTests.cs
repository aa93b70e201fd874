using System.Text.RegularExpressions;
using StorageSnapshot.Module.Tests.Infrastructure;

namespace StorageSnapshot.Module.Tests;

/// <summary>
/// The engine speaks of the domain, the cmdlets of PowerShell (issue 9): no string the engine or the shared model
/// builds names a cmdlet of this module or one of its parameters. Advice that needs them is an
/// <c>ErrorHint</c>, which the cmdlets word (<c>PowerShellAdvice</c>). Comments may name cmdlets; string literals
/// (messages, recommended actions) may not.
/// </summary>
public sealed partial class EngineWordsTests
{
    [Fact]
    public void No_engine_string_names_a_cmdlet_or_a_parameter()
    {
        var cmdlets = BuiltModule.Cmdlets;
        var names = cmdlets.Select(c => c.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var parameters = cmdlets.SelectMany(c => c.Parameters).Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        Assert.Contains("Set-StorageBackend", names);
        Assert.Contains("IncludeSnapshots", parameters);

        var found = new List<string>();
        foreach (var file in SourceFiles())
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                var code = lines[i].TrimStart();
                if (code.StartsWith("//", StringComparison.Ordinal) || code.StartsWith('*') || code.StartsWith('[')) continue;
                foreach (Match literal in Literal().Matches(lines[i]))
                {
                    var text = literal.Value;
                    var hits = VerbNoun().Matches(text).Select(m => m.Value).Where(names.Contains)
                        .Concat(Parameter().Matches(text).Select(m => m.Groups[1].Value).Where(parameters.Contains).Select(p => "-" + p))
                        .ToList();
                    if (hits.Count > 0) found.Add($"{Path.GetRelativePath(BuiltModule.RepositoryRoot, file)}:{i + 1}: {string.Join(", ", hits)} in {text}");
                }
            }
        }
        Assert.True(found.Count == 0, "Engine strings name cmdlets or parameters (use an ErrorHint):\n" + string.Join("\n", found));
    }

    [Fact]
    public void The_check_finds_a_cmdlet_and_a_parameter_in_a_literal_and_ignores_comments()
    {
        const string line = """        throw new X($"Run Set-StorageBackend -Name {b} -MaintenanceMode $false."); // Get-StorageVolume shows it""";
        var literals = Literal().Matches(line).Select(m => m.Value).ToList();
        var literal = Assert.Single(literals);
        Assert.Equal(["Set-StorageBackend"], VerbNoun().Matches(literal).Select(m => m.Value));
        Assert.Equal(["Name", "MaintenanceMode"], Parameter().Matches(literal).Select(m => m.Groups[1].Value));
    }

    private static IEnumerable<string> SourceFiles() =>
        new[] { "StorageSnapshot.Engine", "StorageSnapshot.Abstractions" }
            .SelectMany(project => Directory.EnumerateFiles(Path.Combine(BuiltModule.RepositoryRoot, "src", project), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    // A regular or interpolated C# string literal on one line ("..." or $"..."), escapes included.
    [GeneratedRegex("""\$?@?"(?:[^"\\]|\\.)*" """, RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex Literal();

    [GeneratedRegex(@"\b[A-Z][a-z]+-[A-Z][A-Za-z]+\b")]
    private static partial Regex VerbNoun();

    [GeneratedRegex(@"(?<![\w-])-([A-Z][A-Za-z]+)\b")]
    private static partial Regex Parameter();
}
