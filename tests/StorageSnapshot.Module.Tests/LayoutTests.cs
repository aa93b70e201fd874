using StorageSnapshot.Module.Tests.Infrastructure;

namespace StorageSnapshot.Module.Tests;

/// <summary>
/// Dependency isolation on disk: the module root holds only the cmdlet assembly and the shared object model;
/// the engine and its third-party dependencies live in dependencies/ (loaded by the isolated context).
/// </summary>
public sealed class LayoutTests
{
    [Theory]
    [InlineData("StorageSnapshot.Engine.dll")]
    [InlineData("StorageSnapshot.Drivers.Abstractions.dll")]
    [InlineData("Microsoft.Data.Sqlite.dll")]
    [InlineData("SQLitePCLRaw.core.dll")]
    [InlineData("SQLitePCLRaw.provider.e_sqlite3.dll")]
    [InlineData("SQLitePCLRaw.batteries_v2.dll")]
    [InlineData("Newtonsoft.Json.dll")]
    [InlineData("Cronos.dll")]
    public void Dependencies_are_in_the_dependencies_folder_and_not_beside_the_cmdlets(string assembly)
    {
        Assert.True(File.Exists(Path.Combine(BuiltModule.DependencyDirectory, assembly)), $"dependencies/{assembly} is missing");
        Assert.False(File.Exists(Path.Combine(BuiltModule.Directory, assembly)), $"{assembly} is in the module root, where it would load into PowerShell's default context");
    }

    [Theory]
    [InlineData("linux-x64", "libe_sqlite3.so")]
    [InlineData("linux-arm64", "libe_sqlite3.so")]
    [InlineData("linux-musl-x64", "libe_sqlite3.so")]
    [InlineData("osx-arm64", "libe_sqlite3.dylib")]
    [InlineData("win-x64", "e_sqlite3.dll")]
    public void Native_sqlite_ships_for_the_platforms_PowerShell_runs_on(string rid, string file)
    {
        Assert.True(File.Exists(Path.Combine(BuiltModule.DependencyDirectory, "runtimes", rid, "native", file)), $"runtimes/{rid}/native/{file} is missing");
    }

    [Fact]
    public void Only_the_cmdlet_assembly_and_the_shared_object_model_are_in_the_module_root()
    {
        var assemblies = Directory.EnumerateFiles(BuiltModule.Directory, "*.dll").Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.Equal(["StorageSnapshot.Abstractions.dll", "StorageSnapshot.dll"], assemblies);
    }

    [Fact]
    public void The_cmdlet_assembly_does_not_ship_PowerShell_itself()
    {
        var everywhere = Directory.EnumerateFiles(BuiltModule.Directory, "System.Management.Automation.dll", SearchOption.AllDirectories);
        Assert.Empty(everywhere);
    }

    [Fact]
    public void Runtimes_PowerShell_does_not_run_on_are_left_out()
    {
        var rids = Directory.EnumerateDirectories(Path.Combine(BuiltModule.DependencyDirectory, "runtimes")).Select(Path.GetFileName).ToArray();
        Assert.DoesNotContain(rids, rid => rid!.StartsWith("android", StringComparison.Ordinal) || rid.StartsWith("ios", StringComparison.Ordinal) || rid.StartsWith("browser", StringComparison.Ordinal));
    }

    [Fact]
    public void Format_and_type_files_in_the_module_are_the_sources_in_module_folder()
    {
        foreach (var file in new[] { "StorageSnapshot.Format.ps1xml", "StorageSnapshot.Types.ps1xml" })
        {
            Assert.Equal(File.ReadAllText(Path.Combine(BuiltModule.RepositoryRoot, "module", file)), File.ReadAllText(Path.Combine(BuiltModule.Directory, file)));
        }
    }
}
