namespace StorageSnapshot.HelpGenerator;

/// <summary>The generator's arguments.</summary>
internal sealed record CommandLine(string RepositoryRoot, string ModuleDirectory, string Version, string? MirrorDirectory)
{
    public string DocsDirectory => Path.Combine(RepositoryRoot, "docs");

    public static CommandLine? Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2) values[args[i]] = args[i + 1];
        if (!values.TryGetValue("--repo", out var repo) || !values.TryGetValue("--out", out var output) || !values.TryGetValue("--version", out var version))
            return null;
        values.TryGetValue("--mirror", out var mirror);
        return new CommandLine(Path.GetFullPath(repo), Path.GetFullPath(output), version, string.IsNullOrWhiteSpace(mirror) ? null : Path.GetFullPath(mirror));
    }
}
