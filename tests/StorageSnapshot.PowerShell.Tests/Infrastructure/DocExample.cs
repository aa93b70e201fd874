using System.Text.RegularExpressions;

namespace StorageSnapshot.PowerShell.Tests.Infrastructure;

/// <summary>
/// A code example in the docs, as docs/README.md ("Examples are tests") defines them: every fence whose info
/// string starts with <c>powershell</c>. In a block with <c>PS&gt; </c> prompts only the prompted lines are code
/// (the rest is output); <c>powershell file=NAME</c> is a file the next examples use, written into the example
/// folder instead of run.
/// </summary>
public sealed partial record DocExample(string File, int Line, string Code, string? FileName)
{
    /// <summary>The files whose examples run: README.md, docs/*.md (the about topic too), docs/concepts/*.md.</summary>
    public static IReadOnlyList<string> DocumentFiles() =>
        new[] { Path.Combine(Repository.Root, "README.md") }
            .Concat(Directory.EnumerateFiles(Path.Combine(Repository.Root, "docs"), "*.md"))
            .Concat(Directory.EnumerateFiles(Path.Combine(Repository.Root, "docs", "concepts"), "*.md"))
            .Order(StringComparer.Ordinal).ToArray();

    /// <summary>The examples of one file, in order.</summary>
    public static IReadOnlyList<DocExample> In(string path)
    {
        var lines = System.IO.File.ReadAllLines(path);
        var examples = new List<DocExample>();
        for (var i = 0; i < lines.Length; i++)
        {
            var fence = Fence().Match(lines[i]);
            if (!fence.Success) continue;
            var info = fence.Groups[1].Value.Trim();
            var end = Array.FindIndex(lines, i + 1, l => l.TrimStart().StartsWith("```", StringComparison.Ordinal));
            var body = lines[(i + 1)..end];
            if (info.StartsWith("powershell", StringComparison.Ordinal))
            {
                var fileName = FileAttribute().Match(info) is { Success: true } file ? file.Groups[1].Value : null;
                var code = fileName is null && body.Any(l => l.StartsWith("PS> ", StringComparison.Ordinal))
                    ? body.Where(l => l.StartsWith("PS> ", StringComparison.Ordinal)).Select(l => l[4..])
                    : body;
                examples.Add(new DocExample(Relative(path), i + 1, string.Join("\n", code), fileName));
            }
            i = end;
        }
        return examples;
    }

    /// <summary>The fences of a file that are not examples but hold a command of this module: a way to hide an example from the tests.</summary>
    public static IReadOnlyList<string> UntestedCommands(string path)
    {
        var lines = System.IO.File.ReadAllLines(path);
        var found = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            var fence = Fence().Match(lines[i]);
            if (!fence.Success) continue;
            var end = Array.FindIndex(lines, i + 1, l => l.TrimStart().StartsWith("```", StringComparison.Ordinal));
            var info = fence.Groups[1].Value.Trim();
            if (!info.StartsWith("powershell", StringComparison.Ordinal) && info is not ("yaml" or "text"))
            {
                // A SYNTAX block ("Verb-Noun [-Parameter] <Type> ... [<CommonParameters>]") is not an example.
                found.AddRange(lines[(i + 1)..end].Where(l => CmdletUse().IsMatch(l) && !l.Contains("[<CommonParameters>]", StringComparison.Ordinal))
                    .Select(l => $"{Relative(path)}:{i + 1}: {l.Trim()}"));
            }
            i = end;
        }
        return found;
    }

    /// <summary>True when the file asks to start without the example lab (&lt;!-- examples: start empty --&gt;).</summary>
    public static bool StartsEmpty(string path) => System.IO.File.ReadAllText(path).Contains("<!-- examples: start empty -->", StringComparison.Ordinal);

    private static string Relative(string path) => Path.GetRelativePath(Repository.Root, path).Replace('\\', '/');

    [GeneratedRegex(@"^\s*```(\S*(?: \S+)*)\s*$")]
    private static partial Regex Fence();

    [GeneratedRegex(@"file=(\S+)")]
    private static partial Regex FileAttribute();

    [GeneratedRegex(@"\b(Get|New|Set|Remove|Restore|Register|Unregister|Copy|Test|Invoke)-(Storage\w+|SnapshotCopy|SecondaryStorage|SnapshotToSecondary|SnapshotPolicy|SnapshotRetentionPlan)\b")]
    private static partial Regex CmdletUse();
}
