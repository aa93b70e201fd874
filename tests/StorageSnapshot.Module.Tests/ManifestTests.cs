using System.Reflection;
using System.Text.RegularExpressions;
using StorageSnapshot.Module.Tests.Infrastructure;

namespace StorageSnapshot.Module.Tests;

/// <summary>The root manifest and the built module's manifest agree with the code and name files that exist.</summary>
public sealed class ManifestTests
{
    public static TheoryData<string, string> Manifests => new()
    {
        // (manifest, the folder its paths are relative to)
        { Path.Combine(BuiltModule.RepositoryRoot, "StorageSnapshot.psd1"), BuiltModule.RepositoryRoot },
        { Path.Combine(BuiltModule.Directory, "StorageSnapshot.psd1"), BuiltModule.Directory },
    };

    [Theory]
    [MemberData(nameof(Manifests))]
    public void CmdletsToExport_lists_exactly_the_cmdlet_classes(string manifestPath, string _)
    {
        var manifest = new ManifestText(manifestPath);
        var exported = manifest.List("CmdletsToExport");
        Assert.NotNull(exported);
        Assert.DoesNotContain(exported, name => name.Contains('*'));
        Assert.Equal(BuiltModule.Cmdlets.Select(c => c.Name).Order(StringComparer.Ordinal), exported.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Manifests))]
    public void Nothing_else_is_exported_and_the_edition_and_version_are_pinned(string manifestPath, string _)
    {
        var manifest = new ManifestText(manifestPath);
        Assert.Empty(manifest.List("FunctionsToExport") ?? ["missing"]);
        Assert.Empty(manifest.List("AliasesToExport") ?? ["missing"]);
        Assert.Empty(manifest.List("VariablesToExport") ?? ["missing"]);
        Assert.Equal("7.4", manifest.Value("PowerShellVersion"));
        Assert.Equal(["Core"], manifest.Values("CompatiblePSEditions"));
        Assert.True(Guid.TryParse(manifest.Value("GUID") ?? "", out var _));
        foreach (var key in new[] { "Author", "Description", "ProjectUri", "LicenseUri", "ReleaseNotes" })
        {
            Assert.False(string.IsNullOrWhiteSpace(manifest.Value(key)), $"{key} is missing");
        }
        Assert.NotEmpty(manifest.List("Tags") ?? []);
    }

    [Theory]
    [MemberData(nameof(Manifests))]
    public void Every_file_the_manifest_names_exists(string manifestPath, string baseDirectory)
    {
        var manifest = new ManifestText(manifestPath);
        var files = new[] { "RootModule", "FormatsToProcess", "TypesToProcess", "NestedModules", "RequiredAssemblies" }
            .SelectMany(manifest.Values).ToArray();
        Assert.Contains(files, f => f.EndsWith("StorageSnapshot.dll", StringComparison.Ordinal));
        var missing = files.Where(f => !File.Exists(Path.Combine(baseDirectory, f)));
        Assert.Empty(missing);
    }

    [Theory]
    [MemberData(nameof(Manifests))]
    public void ModuleVersion_is_the_assembly_version_and_Directory_Build_props_version(string manifestPath, string _)
    {
        var props = File.ReadAllText(Path.Combine(BuiltModule.RepositoryRoot, "Directory.Build.props"));
        var versionPrefix = Regex.Match(props, "<VersionPrefix>([^<]+)</VersionPrefix>").Groups[1].Value;
        var assemblyVersion = AssemblyName.GetAssemblyName(Path.Combine(BuiltModule.Directory, "StorageSnapshot.dll")).Version!;

        var moduleVersion = new ManifestText(manifestPath).Value("ModuleVersion");
        Assert.Equal(versionPrefix, moduleVersion);
        Assert.Equal(Version.Parse(versionPrefix), new Version(assemblyVersion.Major, assemblyVersion.Minor, assemblyVersion.Build));
    }

    [Fact]
    public void The_built_manifest_is_the_root_manifest_with_module_relative_paths()
    {
        var root = new ManifestText(Path.Combine(BuiltModule.RepositoryRoot, "StorageSnapshot.psd1"));
        var built = new ManifestText(Path.Combine(BuiltModule.Directory, "StorageSnapshot.psd1"));
        Assert.Equal("StorageSnapshot.dll", built.Value("RootModule"));
        Assert.Equal(root.Values("FormatsToProcess").Select(Path.GetFileName), built.Values("FormatsToProcess"));
        Assert.Equal(root.Values("TypesToProcess").Select(Path.GetFileName), built.Values("TypesToProcess"));
        Assert.Equal(root.Value("GUID"), built.Value("GUID"));
    }
}
