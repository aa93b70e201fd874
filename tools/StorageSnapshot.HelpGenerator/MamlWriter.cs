using System.Xml.Linq;

namespace StorageSnapshot.HelpGenerator;

/// <summary>Writes command pages as a MAML helpItems document, the format Get-Help reads for binary cmdlets.</summary>
internal static class MamlWriter
{
    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    /// <summary>The document as UTF-8 text (declaration included).</summary>
    public static string ToText(IEnumerable<CommandPage> pages)
    {
        var document = Build(pages);
        return document.Declaration + "\n" + document.Root + "\n";
    }

    public static XDocument Build(IEnumerable<CommandPage> pages) =>
        new(new XDeclaration("1.0", "utf-8", null),
            new XElement(Msh + "helpItems", new XAttribute("schema", "maml"),
                pages.Select(CommandElement)));

    private static XElement CommandElement(CommandPage page) =>
        new(Command + "command",
            new XAttribute(XNamespace.Xmlns + "maml", Maml),
            new XAttribute(XNamespace.Xmlns + "command", Command),
            new XAttribute(XNamespace.Xmlns + "dev", Dev),
            new XElement(Command + "details",
                new XElement(Command + "name", page.Name),
                new XElement(Command + "verb", page.Verb),
                new XElement(Command + "noun", page.Noun),
                Description(page.Synopsis)),
            Description(page.Description),
            new XElement(Command + "syntax", SyntaxItems(page)),
            new XElement(Command + "parameters", page.Parameters.Select(p => Parameter(p, p.ParameterSets.Count > 0 ? string.Join(", ", p.ParameterSets) : null))),
            new XElement(Command + "inputTypes", page.Inputs.Select(t => TypeElement("inputType", t))),
            new XElement(Command + "returnValues", page.Outputs.Select(t => TypeElement("returnValue", t))),
            new XElement(Maml + "alertSet", new XElement(Maml + "alert", Paragraphs(page.Notes))),
            new XElement(Command + "examples", page.Examples.Select(Example)),
            // Get-Help -Online opens the uri of the first navigation link that has one: the page's online version.
            new XElement(Maml + "relatedLinks",
                page.OnlineVersion is null ? null
                    : new XElement(Maml + "navigationLink", new XElement(Maml + "linkText", "Online Version:"), new XElement(Maml + "uri", page.OnlineVersion)),
                page.RelatedLinks.Select(link =>
                    new XElement(Maml + "navigationLink", new XElement(Maml + "linkText", link), new XElement(Maml + "uri")))));

    private static IEnumerable<XElement> SyntaxItems(CommandPage page)
    {
        var sets = page.ParameterSets;
        if (sets.Count == 0) sets = [ParameterHelp.AllSets];
        foreach (var set in sets)
        {
            yield return new XElement(Command + "syntaxItem",
                new XElement(Maml + "name", page.Name),
                page.Parameters.Where(p => p.InSet(set)).Select(p => Parameter(p, null)));
        }
    }

    private static XElement Parameter(ParameterHelp p, string? sets)
    {
        var element = new XElement(Command + "parameter",
            new XAttribute("required", p.Required ? "true" : "false"),
            new XAttribute("variableLength", p.Type.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false"),
            new XAttribute("globbing", p.Wildcards ? "true" : "false"),
            new XAttribute("pipelineInput", p.PipelineInput),
            new XAttribute("position", p.Position.ToLowerInvariant() == "named" ? "named" : p.Position),
            new XAttribute("aliases", p.Aliases.Length == 0 ? "none" : p.Aliases),
            new XElement(Maml + "name", p.Name),
            Description(p.Description));
        if (!p.IsSwitch)
        {
            element.Add(new XElement(Command + "parameterValue", new XAttribute("required", "true"),
                new XAttribute("variableLength", "false"), p.Type));
        }
        element.Add(new XElement(Dev + "type", new XElement(Maml + "name", p.Type), new XElement(Maml + "uri")),
            new XElement(Dev + "defaultValue", p.DefaultValue));
        if (sets is not null) element.Add(new XComment($" parameter sets: {sets} "));
        return element;
    }

    private static XElement TypeElement(string kind, TypeHelp type) =>
        new(Command + kind,
            new XElement(Dev + "type", new XElement(Maml + "name", type.TypeName)),
            Description(type.Description));

    private static XElement Example(Example example) =>
        new(Command + "example",
            new XElement(Maml + "title", $"-------------------------- {example.Title} --------------------------"),
            new XElement(Dev + "code", example.Code),
            new XElement(Dev + "remarks", Paragraphs(example.Remarks)));

    private static XElement Description(string text) => new(Maml + "description", Paragraphs(text));

    private static IEnumerable<XElement> Paragraphs(string text) =>
        text.Replace("\r", "", StringComparison.Ordinal)
            .Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(paragraph => new XElement(Maml + "para", Unmark(paragraph)));

    /// <summary>Markdown that reads badly in a console: backticks around code and link brackets.</summary>
    internal static string Unmark(string text) => text.Replace("`", "", StringComparison.Ordinal);
}
