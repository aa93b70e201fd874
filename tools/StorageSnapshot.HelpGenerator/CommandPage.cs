namespace StorageSnapshot.HelpGenerator;

/// <summary>One cmdlet's help page, as read from docs/&lt;Cmdlet&gt;.md.</summary>
internal sealed record CommandPage(string Name, string Synopsis, string Description)
{
    public List<ParameterHelp> Parameters { get; } = [];
    public List<Example> Examples { get; } = [];
    public List<TypeHelp> Inputs { get; } = [];
    public List<TypeHelp> Outputs { get; } = [];
    public string Notes { get; set; } = "";
    public List<string> RelatedLinks { get; } = [];

    /// <summary>The page's URI for Get-Help -Online (front matter "online version"), if any.</summary>
    public string? OnlineVersion { get; init; }

    public string Verb => Name.Split('-', 2)[0];
    public string Noun => Name.Split('-', 2)[1];

    /// <summary>Parameter-set names in the order the page first mentions them ("(All)" is not a set).</summary>
    public IReadOnlyList<string> ParameterSets =>
        Parameters.SelectMany(p => p.ParameterSets).Where(s => s != ParameterHelp.AllSets).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
}

/// <summary>One parameter's entry: the prose and the platyPS yaml block.</summary>
internal sealed record ParameterHelp(string Name, string Description)
{
    public const string AllSets = "(All)";

    public string Type { get; set; } = "";
    public List<string> ParameterSets { get; } = [];
    public string Aliases { get; set; } = "";
    public bool Required { get; set; }
    public string Position { get; set; } = "Named";
    public string DefaultValue { get; set; } = "None";
    public string PipelineInput { get; set; } = "False";
    public bool Wildcards { get; set; }

    public bool IsSwitch => Type.Equals("SwitchParameter", StringComparison.OrdinalIgnoreCase);

    public bool InSet(string set) => ParameterSets.Count == 0 || ParameterSets.Contains(AllSets) || ParameterSets.Contains(set, StringComparer.OrdinalIgnoreCase);
}

/// <summary>An example: title, code, remarks.</summary>
internal sealed record Example(string Title, string Code, string Remarks);

/// <summary>An input or output type with its sentence.</summary>
internal sealed record TypeHelp(string TypeName, string Description);
