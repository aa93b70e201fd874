using System.Reflection;
using System.Runtime.InteropServices;

namespace StorageSnapshot.Module.Tests.Infrastructure;

/// <summary>
/// The module as `dotnet build` laid it out (out/StorageSnapshot/ under the repository root), read with a
/// MetadataLoadContext: the cmdlet assembly is inspected, never executed, so no PowerShell host is needed.
/// </summary>
public static class BuiltModule
{
    private static readonly Lazy<MetadataLoadContext> Metadata = new(CreateMetadataContext);

    /// <summary>The repository root (the folder holding StorageSnapshot.sln), found from the test assembly.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>out/StorageSnapshot: the module folder.</summary>
    public static string Directory => Path.Combine(RepositoryRoot, "out", "StorageSnapshot");

    /// <summary>The module's dependencies/ folder.</summary>
    public static string DependencyDirectory => Path.Combine(Directory, "dependencies");

    /// <summary>The cmdlet assembly, loaded for inspection.</summary>
    public static Assembly CmdletAssembly => Metadata.Value.LoadFromAssemblyPath(Path.Combine(Directory, "StorageSnapshot.dll"));

    /// <summary>An assembly of the module's dependencies/ folder (by simple name), loaded for inspection.</summary>
    public static Assembly LoadDependency(string name) => Metadata.Value.LoadFromAssemblyPath(Path.Combine(DependencyDirectory, name + ".dll"));

    /// <summary>An assembly the cmdlet assembly references, loaded for inspection.</summary>
    public static Assembly LoadReferenced(AssemblyName name) => Metadata.Value.LoadFromAssemblyName(name);

    /// <summary>The member names of an enum in an assembly of the module's load context (or PowerShell's reference assembly).</summary>
    public static IReadOnlyList<string> LoadEnumNames(string enumTypeName, string assemblyName) =>
        Metadata.Value.LoadFromAssemblyName(assemblyName).GetType(enumTypeName, throwOnError: true)!
            .GetFields().Where(f => f.IsStatic && f.IsLiteral).Select(f => f.Name).ToArray();

    /// <summary>Every cmdlet class in the built assembly.</summary>
    public static IReadOnlyList<CmdletClass> Cmdlets =>
        CmdletAssembly.GetTypes().Select(CmdletClass.TryRead).OfType<CmdletClass>().OrderBy(c => c.Name, StringComparer.Ordinal).ToArray();

    private static MetadataLoadContext CreateMetadataContext()
    {
        var paths = new List<string>();
        paths.AddRange(System.IO.Directory.EnumerateFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll"));
        paths.AddRange(System.IO.Directory.EnumerateFiles(Directory, "*.dll"));
        paths.AddRange(System.IO.Directory.EnumerateFiles(DependencyDirectory, "*.dll"));
        paths.Add(Path.Combine(AppContext.BaseDirectory, "System.Management.Automation.dll"));
        return new MetadataLoadContext(new PathAssemblyResolver(paths.Distinct(StringComparer.Ordinal)), "System.Private.CoreLib");
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "StorageSnapshot.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"No StorageSnapshot.sln above {AppContext.BaseDirectory}.");
    }
}
