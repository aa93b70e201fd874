namespace StorageSnapshot.Benchmarks.EndToEnd;

/// <summary>
/// pwsh as users install it. The pwsh 7.6.10 this repository pins is the NuGet dotnet tool, whose assemblies are IL
/// only, so every start JIT-compiles PowerShell itself (5,700 methods of System.Management.Automation for one
/// command here); Microsoft's own pwsh packages (deb, rpm, tar.gz, msi) are published ReadyToRun
/// (PowerShell/PowerShell#12361), and start in about half the time. The benchmarks therefore run a copy of the
/// tool's $PSHOME whose assemblies are compiled the same way — by tools/StorageSnapshot.ReadyToRun, crossgen2 for
/// .NET 10 on linux-x64 — made once and kept in artifacts/benchmarks/. <c>--pwsh-il</c> runs the tool as it is.
/// </summary>
internal static class ReadyToRunPwsh
{
    /// <summary>The pwsh to run: <paramref name="toolPwsh"/> itself with --pwsh-il, else its ReadyToRun copy (made when missing).</summary>
    public static string Choose(string repositoryRoot, string toolPwsh, string[] args)
    {
        if (args.Contains("--pwsh-il"))
        {
            Console.WriteLine($"pwsh: {toolPwsh} as the dotnet tool ships it (IL only: PowerShell is JIT-compiled at every start)");
            return toolPwsh;
        }
        var home = Path.GetDirectoryName(toolPwsh)!;
        var version = Tool.Run(toolPwsh, "-NoProfile", "-NonInteractive", "-Command", "$PSVersionTable.PSVersion.ToString()").Trim();
        var copy = Path.Combine(repositoryRoot, "artifacts", "benchmarks", $"pwsh-{version}-readytorun");
        var done = Path.Combine(copy, ".complete");
        if (!File.Exists(done))
        {
            EndToEndBenchmark.Phase($"setup: ReadyToRun copy of pwsh {version} in {copy} (once)", () => Make(repositoryRoot, home, copy));
            File.WriteAllText(done, toolPwsh + Environment.NewLine);
        }
        Console.WriteLine($"pwsh: {copy}/pwsh — the tool's pwsh {version} with its assemblies ReadyToRun-compiled, as Microsoft's packages ship them (--pwsh-il: the tool as it is)");
        return Path.Combine(copy, "pwsh");
    }

    private static void Make(string repositoryRoot, string home, string copy)
    {
        if (Directory.Exists(copy)) Directory.Delete(copy, recursive: true);
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        var staging = copy + ".compiled";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Tool.Run("dotnet", ["publish", Path.Combine(repositoryRoot, "tools", "StorageSnapshot.ReadyToRun", "StorageSnapshot.ReadyToRun.csproj"),
            "-c", "Release", "-nologo", "-v", "q", "-o", staging, $"-p:ReadyToRunInput={home}"]);
        // cp -a: $PSHOME keeps its layout, modes (the pwsh apphost) and subfolders (Modules, runtimes, ref).
        Tool.Run("cp", "-a", home, copy);
        foreach (var image in Directory.EnumerateFiles(staging, "*.dll"))
        {
            var name = Path.GetFileName(image);
            if (name.StartsWith("StorageSnapshot.ReadyToRun", StringComparison.Ordinal)) continue;
            if (File.Exists(Path.Combine(copy, name))) File.Copy(image, Path.Combine(copy, name), overwrite: true);
        }
        Directory.Delete(staging, recursive: true);
    }
}
