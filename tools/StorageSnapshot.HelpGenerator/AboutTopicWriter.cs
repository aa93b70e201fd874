using System.Text;

namespace StorageSnapshot.HelpGenerator;

/// <summary>
/// Turns docs/about_*.md into the plain-text about_*.help.txt layout Get-Help shows: upper-case section titles
/// at the margin, text indented by four spaces, code blocks by eight.
/// </summary>
internal static class AboutTopicWriter
{
    public static string Convert(string[] lines)
    {
        var text = new StringBuilder();
        var inCode = false;
        foreach (var raw in lines)
        {
            var line = raw.TrimEnd();
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inCode = !inCode;
                continue;
            }
            if (inCode)
            {
                text.Append("        ").AppendLine(line);
            }
            else if (line.StartsWith('#'))
            {
                var heading = line.TrimStart('#').Trim();
                if (line.StartsWith("# ", StringComparison.Ordinal))
                {
                    text.AppendLine("TOPIC").Append("    ").AppendLine(heading);
                }
                else
                {
                    // Sections are separated by one blank line, whether or not the markdown already had one.
                    if (!text.ToString().EndsWith("\n\n", StringComparison.Ordinal)) text.AppendLine();
                    text.AppendLine(heading.ToUpperInvariant());
                }
            }
            else if (line.Length == 0)
            {
                text.AppendLine();
            }
            else
            {
                text.Append("    ").AppendLine(MamlWriter.Unmark(line));
            }
        }
        return text.ToString();
    }
}
