using System.Text.RegularExpressions;

namespace StorageSnapshot.HelpGenerator;

/// <summary>
/// The root StorageSnapshot.psd1 names files by their place in the repository (out/StorageSnapshot/..., module/...)
/// so that Import-Module works from a clone; the build output (and the package made from it) needs the same
/// manifest with module-relative paths. One source, two views; the version must equal Directory.Build.props'.
/// </summary>
internal static partial class ModuleManifest
{
    private const string ManifestName = "StorageSnapshot.psd1";

    [GeneratedRegex(@"^\s*ModuleVersion\s*=\s*'([^']*)'", RegexOptions.Multiline)]
    private static partial Regex ModuleVersion();

    public static void Write(CommandLine options, List<string> problems)
    {
        var source = Path.Combine(options.RepositoryRoot, ManifestName);
        if (!File.Exists(source))
        {
            problems.Add($"{source}: the root module manifest is missing.");
            return;
        }
        var text = File.ReadAllText(source);
        var version = ModuleVersion().Match(text);
        if (!version.Success) problems.Add($"{source}: no ModuleVersion = '...' line.");
        else if (version.Groups[1].Value != options.Version)
            problems.Add($"{source}: ModuleVersion is '{version.Groups[1].Value}' but Directory.Build.props says '{options.Version}'; change the manifest.");

        // Only quoted paths are rewritten ('out/StorageSnapshot/X' → 'X', 'module/X' → 'X'); comments keep their words.
        var moduleRelative = text.Replace("'out/StorageSnapshot/", "'", StringComparison.Ordinal).Replace("'module/", "'", StringComparison.Ordinal);
        Directory.CreateDirectory(options.ModuleDirectory);
        WriteIfChanged(Path.Combine(options.ModuleDirectory, ManifestName), moduleRelative);
    }

    internal static void WriteIfChanged(string path, string text)
    {
        if (File.Exists(path) && File.ReadAllText(path) == text) return;
        File.WriteAllText(path, text);
    }
}
