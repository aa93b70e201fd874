namespace StorageSnapshot.HelpGenerator;

/// <summary>Reads every page in docs/ and writes en-US/StorageSnapshot.dll-Help.xml and the about topics.</summary>
internal static class HelpBuilder
{
    /// <summary>Get-Help looks for "&lt;cmdlet assembly file name&gt;-Help.xml" in the module's culture folder.</summary>
    public const string MamlFileName = "StorageSnapshot.dll-Help.xml";

    public static void Write(CommandLine options, List<string> problems)
    {
        if (!Directory.Exists(options.DocsDirectory))
        {
            problems.Add($"{options.DocsDirectory}: the docs folder is missing.");
            return;
        }
        var pages = new List<CommandPage>();
        var abouts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in Directory.EnumerateFiles(options.DocsDirectory, "*.md").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (name.StartsWith("about_", StringComparison.OrdinalIgnoreCase))
            {
                abouts[name] = AboutTopicWriter.Convert(File.ReadAllLines(path));
            }
            else if (name.Contains('-'))
            {
                var page = MarkdownReader.Read(path, problems);
                if (page is null) continue;
                if (!page.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
                    problems.Add($"{path}: the title '# {page.Name}' does not match the file name.");
                if (page.Examples.Count < 2) problems.Add($"{path}: {page.Examples.Count} example(s); at least two are expected.");
                pages.Add(page);
            }
        }
        if (problems.Count > 0) return;

        foreach (var folder in new[] { options.ModuleDirectory, options.MirrorDirectory }.OfType<string>())
        {
            var culture = Path.Combine(folder, "en-US");
            Directory.CreateDirectory(culture);
            ModuleManifest.WriteIfChanged(Path.Combine(culture, MamlFileName), MamlWriter.ToText(pages));
            foreach (var (name, text) in abouts)
            {
                ModuleManifest.WriteIfChanged(Path.Combine(culture, name + ".help.txt"), text);
            }
        }
    }
}
