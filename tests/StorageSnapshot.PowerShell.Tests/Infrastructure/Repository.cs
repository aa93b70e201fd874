namespace StorageSnapshot.PowerShell.Tests.Infrastructure;

/// <summary>Where things are: the repository root, the built module, the docs.</summary>
public static class Repository
{
    /// <summary>The folder holding StorageSnapshot.sln, found from the test assembly.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The module as `dotnet build` lays it out (the folder that is packaged and published).</summary>
    public static string ModuleManifest => Path.Combine(Root, "out", "StorageSnapshot", "StorageSnapshot.psd1");

    /// <summary>Pester 5.9.1 from the NuGet cache (a PackageDownload of this project).</summary>
    public static string PesterManifest
    {
        get
        {
            var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                           ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            return Path.Combine(packages, "pester", "5.9.1", "tools", "Pester.psd1");
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "StorageSnapshot.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"No StorageSnapshot.sln above {AppContext.BaseDirectory}.");
    }
}
