using System.Text.RegularExpressions;
using System.Xml.Linq;
using StorageSnapshot.Module.Tests.Infrastructure;

namespace StorageSnapshot.Module.Tests;

/// <summary>Every cmdlet and parameter has help in docs/ and in the generated MAML, and the docs tell the truth.</summary>
public sealed partial class HelpTests
{
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";

    public static TheoryData<string> CmdletNames => new(BuiltModule.Cmdlets.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void The_docs_page_has_every_section_and_at_least_two_examples(string cmdlet)
    {
        var page = DocsPage.Read(cmdlet);
        foreach (var section in new[] { "SYNOPSIS", "SYNTAX", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES" })
        {
            Assert.True(page.Sections.TryGetValue(section, out var body) && body.Trim().Length > 0, $"{cmdlet}.md: section {section} is missing or empty");
        }
        Assert.True(ExampleHeading().Matches(page.Sections["EXAMPLES"]).Count >= 2, $"{cmdlet}.md has fewer than two examples");
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void The_docs_page_documents_every_parameter_as_the_code_declares_it(string cmdlet)
    {
        var metadata = BuiltModule.Cmdlets.Single(c => c.Name == cmdlet);
        var page = DocsPage.Read(cmdlet);
        var problems = new List<string>();
        foreach (var parameter in metadata.Parameters)
        {
            if (!page.Parameters.TryGetValue(parameter.Name, out var doc))
            {
                problems.Add($"-{parameter.Name} is not documented");
                continue;
            }
            var sets = parameter.Sets.Select(s => s.Name == CmdletClass.AllParameterSets ? "(All)" : s.Name).Order().ToArray();
            Expect(problems, parameter.Name, "Type", parameter.TypeName, doc.Get("Type"));
            Expect(problems, parameter.Name, "Parameter Sets", string.Join(", ", sets), string.Join(", ", doc.Get("Parameter Sets").Split(',', StringSplitOptions.TrimEntries).Order()));
            var set = parameter.Sets[0];
            Expect(problems, parameter.Name, "Required", set.Mandatory.ToString(), doc.Get("Required"));
            Expect(problems, parameter.Name, "Position", set.Position == int.MinValue ? "Named" : set.Position.ToString(), doc.Get("Position"));
            var pipeline = (set.ValueFromPipeline, set.ValueFromPipelineByPropertyName) switch
            {
                (true, true) => "True (ByValue, ByPropertyName)",
                (true, false) => "True (ByValue)",
                (false, true) => "True (ByPropertyName)",
                _ => "False",
            };
            Expect(problems, parameter.Name, "Accept pipeline input", pipeline, doc.Get("Accept pipeline input"));
            Expect(problems, parameter.Name, "Accept wildcard characters", parameter.SupportsWildcards.ToString(), doc.Get("Accept wildcard characters"));
        }
        if (metadata.SupportsShouldProcess)
        {
            problems.AddRange(new[] { "WhatIf", "Confirm" }.Where(p => !page.Parameters.ContainsKey(p)).Select(p => $"-{p} is not documented"));
        }
        var declared = metadata.Parameters.Select(p => p.Name).Concat(metadata.SupportsShouldProcess ? ["WhatIf", "Confirm"] : []).ToHashSet();
        problems.AddRange(page.Parameters.Keys.Where(p => !declared.Contains(p)).Select(p => $"-{p} is documented but does not exist"));
        Assert.Empty(problems);
    }

    [Fact]
    public void The_generated_MAML_has_every_cmdlet_and_every_parameter()
    {
        var maml = XDocument.Load(Path.Combine(BuiltModule.Directory, "en-US", "StorageSnapshot.dll-Help.xml"));
        var commands = maml.Root!.Elements(Command + "command")
            .ToDictionary(c => c.Element(Command + "details")!.Element(Command + "name")!.Value, StringComparer.OrdinalIgnoreCase);
        var problems = new List<string>();
        foreach (var cmdlet in BuiltModule.Cmdlets)
        {
            if (!commands.TryGetValue(cmdlet.Name, out var command))
            {
                problems.Add($"{cmdlet.Name}: no <command:command>");
                continue;
            }
            var synopsis = command.Element(Command + "details")!.Element(Maml + "description")!.Value;
            if (string.IsNullOrWhiteSpace(synopsis)) problems.Add($"{cmdlet.Name}: empty synopsis");
            var documented = command.Element(Command + "parameters")!.Elements(Command + "parameter")
                .Select(p => p.Element(Maml + "name")!.Value).ToHashSet(StringComparer.OrdinalIgnoreCase);
            problems.AddRange(cmdlet.Parameters.Where(p => !documented.Contains(p.Name)).Select(p => $"{cmdlet.Name}: -{p.Name} missing in MAML"));
            if (command.Element(Command + "examples")!.Elements(Command + "example").Count() < 2) problems.Add($"{cmdlet.Name}: fewer than two examples in MAML");
            var syntaxItems = command.Element(Command + "syntax")!.Elements(Command + "syntaxItem").Count();
            if (syntaxItems != cmdlet.ParameterSetNames.Count) problems.Add($"{cmdlet.Name}: {syntaxItems} syntax items for {cmdlet.ParameterSetNames.Count} parameter sets");
        }
        problems.AddRange(commands.Keys.Where(k => BuiltModule.Cmdlets.All(c => c.Name != k)).Select(k => $"{k}: help for a cmdlet that does not exist"));
        Assert.Empty(problems);
    }

    [Fact]
    public void The_MAML_file_is_named_for_the_cmdlet_assembly_and_mirrored_where_the_root_manifest_is()
    {
        // Get-Help looks for "<cmdlet assembly file name>-Help.xml" under the importing module's base folder.
        var fileName = Path.GetFileName(BuiltModule.CmdletAssembly.Location) + "-Help.xml";
        Assert.True(File.Exists(Path.Combine(BuiltModule.Directory, "en-US", fileName)));
        Assert.True(File.Exists(Path.Combine(BuiltModule.RepositoryRoot, "en-US", fileName)));
    }

    [Fact]
    public void The_about_topic_is_generated()
    {
        foreach (var folder in new[] { BuiltModule.Directory, BuiltModule.RepositoryRoot })
        {
            var text = File.ReadAllText(Path.Combine(folder, "en-US", "about_StorageSnapshot.help.txt"));
            Assert.StartsWith("TOPIC", text);
            Assert.Contains("SHORT DESCRIPTION", text);
            Assert.Contains("STORAGESNAPSHOT_HOME", text);
        }
    }

    private static void Expect(List<string> problems, string parameter, string key, string expected, string actual)
    {
        if (!string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase)) problems.Add($"-{parameter}: {key} is '{actual}' in the docs but '{expected}' in the code");
    }

    [GeneratedRegex(@"^### ", RegexOptions.Multiline)]
    private static partial Regex ExampleHeading();

    /// <summary>A docs/&lt;Cmdlet&gt;.md page: its ## sections and its parameters' yaml blocks.</summary>
    private sealed partial class DocsPage
    {
        public Dictionary<string, string> Sections { get; } = new(StringComparer.OrdinalIgnoreCase);
        public Dictionary<string, ParameterDoc> Parameters { get; } = new(StringComparer.OrdinalIgnoreCase);

        public static DocsPage Read(string cmdlet)
        {
            var path = Path.Combine(BuiltModule.RepositoryRoot, "docs", cmdlet + ".md");
            Assert.True(File.Exists(path), $"docs/{cmdlet}.md is missing");
            var text = File.ReadAllText(path).Replace("\r", "");
            var page = new DocsPage();
            foreach (Match section in SectionPattern().Matches(text)) page.Sections[section.Groups[1].Value.Trim()] = section.Groups[2].Value;
            foreach (Match parameter in ParameterPattern().Matches(page.Sections.GetValueOrDefault("PARAMETERS") ?? ""))
            {
                page.Parameters[parameter.Groups[1].Value] = new ParameterDoc(parameter.Groups[2].Value.Trim().Length > 0, parameter.Groups[3].Value);
            }
            return page;
        }

        [GeneratedRegex(@"^## (.+)\n((?:(?!^## ).*\n?)*)", RegexOptions.Multiline)]
        private static partial Regex SectionPattern();

        [GeneratedRegex(@"^### -(\w+)\n((?:(?!^```).*\n)*)```yaml\n((?:(?!^```).*\n)*)```", RegexOptions.Multiline)]
        private static partial Regex ParameterPattern();
    }

    private sealed record ParameterDoc(bool HasDescription, string Yaml)
    {
        public string Get(string key) =>
            Yaml.Split('\n').Select(l => l.Split(':', 2)).Where(kv => kv.Length == 2 && kv[0].Trim() == key).Select(kv => kv[1].Trim()).FirstOrDefault() ?? "";
    }
}
