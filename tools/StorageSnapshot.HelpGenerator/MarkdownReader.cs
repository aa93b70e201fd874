using System.Text;

namespace StorageSnapshot.HelpGenerator;

/// <summary>
/// Reads the platyPS markdown layout: "# Name", "## SYNOPSIS", "## SYNTAX", "## DESCRIPTION", "## EXAMPLES" with
/// "### Example" blocks, "## PARAMETERS" with "### -Name" prose followed by a ```yaml block, "## INPUTS",
/// "## OUTPUTS", "## NOTES", "## RELATED LINKS". Anything it cannot understand is a problem, not a guess.
/// </summary>
internal static class MarkdownReader
{
    public static CommandPage? Read(string path, List<string> problems)
    {
        var lines = File.ReadAllLines(path);
        var start = 0;
        string? onlineVersion = null;
        if (lines.Length > 0 && lines[0].Trim() == "---")
        {
            start = Array.FindIndex(lines, 1, l => l.Trim() == "---") + 1;
            // platyPS front matter: "online version: <uri>" is the page Get-Help -Online opens.
            onlineVersion = lines.Take(start).Select(l => l.Split(':', 2)).Where(kv => kv.Length == 2 && kv[0].Trim() == "online version")
                .Select(kv => kv[1].Trim()).FirstOrDefault(v => v.Length > 0);
        }
        var sections = Split(lines.Skip(start), "## ");
        var title = lines.Skip(start).FirstOrDefault(l => l.StartsWith("# ", StringComparison.Ordinal))?[2..].Trim();
        if (string.IsNullOrEmpty(title) || !title.Contains('-'))
        {
            problems.Add($"{path}: no '# Verb-Noun' title.");
            return null;
        }
        string Section(string name) => sections.TryGetValue(name, out var body) ? Prose(body) : "";

        var page = new CommandPage(title, Section("SYNOPSIS"), Section("DESCRIPTION")) { Notes = Section("NOTES"), OnlineVersion = onlineVersion };
        if (page.Synopsis.Length == 0) problems.Add($"{path}: empty SYNOPSIS.");
        if (page.Description.Length == 0) problems.Add($"{path}: empty DESCRIPTION.");

        if (sections.TryGetValue("EXAMPLES", out var examples))
        {
            foreach (var (heading, body) in Split(examples, "### "))
            {
                var (code, rest) = TakeCode(body);
                page.Examples.Add(new Example(heading, code, Prose(rest)));
            }
        }
        if (sections.TryGetValue("PARAMETERS", out var parameters))
        {
            foreach (var (heading, body) in Split(parameters, "### "))
            {
                if (heading.Equals("CommonParameters", StringComparison.OrdinalIgnoreCase)) continue;
                if (!heading.StartsWith('-'))
                {
                    problems.Add($"{path}: parameter heading '### {heading}' does not start with '-'.");
                    continue;
                }
                var (yaml, before) = TakeCode(body);
                var parameter = new ParameterHelp(heading[1..], Prose(before));
                if (parameter.Description.Length == 0) problems.Add($"{path}: -{parameter.Name} has no description.");
                if (yaml.Length == 0) problems.Add($"{path}: -{parameter.Name} has no ```yaml block.");
                ReadYaml(yaml, parameter, path, problems);
                page.Parameters.Add(parameter);
            }
        }
        page.Inputs.AddRange(Types(sections.GetValueOrDefault("INPUTS")));
        page.Outputs.AddRange(Types(sections.GetValueOrDefault("OUTPUTS")));
        if (sections.TryGetValue("RELATED LINKS", out var links))
        {
            foreach (var line in links.Select(l => l.Trim()).Where(l => l.StartsWith('[')))
            {
                page.RelatedLinks.Add(line[1..line.IndexOf(']', StringComparison.Ordinal)]);
            }
        }
        return page;
    }

    /// <summary>Splits lines into sections under headings that start with <paramref name="marker"/>.</summary>
    internal static Dictionary<string, List<string>> Split(IEnumerable<string> lines, string marker)
    {
        var result = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        List<string>? current = null;
        var inCode = false;
        foreach (var line in lines)
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal)) inCode = !inCode;
            if (!inCode && line.StartsWith(marker, StringComparison.Ordinal))
            {
                var heading = line[marker.Length..].Trim();
                current = [];
                result[heading] = current;
                continue;
            }
            current?.Add(line);
        }
        return result;
    }

    private static IEnumerable<(string Heading, List<string> Body)> Split(List<string> lines, string marker) =>
        Split((IEnumerable<string>)lines, marker).Select(kv => (kv.Key, kv.Value));

    /// <summary>The first fenced code block's text and the lines outside it.</summary>
    private static (string Code, List<string> Remainder) TakeCode(List<string> body)
    {
        var rest = new List<string>();
        var code = new StringBuilder();
        var state = 0; // 0 before, 1 inside, 2 after
        foreach (var line in body)
        {
            var fence = line.TrimStart().StartsWith("```", StringComparison.Ordinal);
            if (fence && state < 2) { state++; continue; }
            if (state == 1) code.AppendLine(line);
            else rest.Add(line);
        }
        return (code.ToString().TrimEnd(), rest);
    }

    /// <summary>Paragraphs joined by blank lines, lines within a paragraph kept (Get-Help wraps them itself).</summary>
    internal static string Prose(IEnumerable<string> lines) => string.Join('\n', lines).Trim();

    private static void ReadYaml(string yaml, ParameterHelp parameter, string path, List<string> problems)
    {
        foreach (var line in yaml.Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0) continue;
            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            switch (key)
            {
                case "Type": parameter.Type = value; break;
                case "Parameter Sets":
                    parameter.ParameterSets.AddRange(value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    break;
                case "Aliases": parameter.Aliases = value; break;
                case "Required": parameter.Required = bool.TryParse(value, out var r) && r; break;
                case "Position": parameter.Position = value.Length == 0 ? "Named" : value; break;
                case "Default value": parameter.DefaultValue = value.Length == 0 ? "None" : value; break;
                case "Accept pipeline input": parameter.PipelineInput = value; break;
                case "Accept wildcard characters": parameter.Wildcards = bool.TryParse(value, out var w) && w; break;
                default: problems.Add($"{path}: -{parameter.Name}: unknown yaml key '{key}'."); break;
            }
        }
        if (parameter.Type.Length == 0) problems.Add($"{path}: -{parameter.Name} has no Type.");
    }

    private static IEnumerable<TypeHelp> Types(List<string>? lines)
    {
        if (lines is null) yield break;
        foreach (var (heading, body) in Split(lines, "### ")) yield return new TypeHelp(heading, Prose(body));
    }
}
