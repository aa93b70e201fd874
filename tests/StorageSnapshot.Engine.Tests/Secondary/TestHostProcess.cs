using System.Diagnostics;

namespace StorageSnapshot.Engine.Tests.Secondary;

/// <summary>Starts StorageSnapshot.TestHost (built beside this test project) as a child process.</summary>
public static class TestHostProcess
{
    /// <summary>The test host's assembly, from the same configuration as this test run.</summary>
    public static string AssemblyPath { get; } = Locate();

    public static Process Start(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(AssemblyPath);
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        return Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
    }

    private static string Locate()
    {
        // bin/<Configuration>/<tfm>/ of this project → the same of the test host.
        var tfmDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = tfmDirectory.Parent!.Name;
        var testsDirectory = tfmDirectory.Parent!.Parent!.Parent!.Parent!.FullName;
        var path = Path.Combine(testsDirectory, "StorageSnapshot.TestHost", "bin", configuration, tfmDirectory.Name, "StorageSnapshot.TestHost.dll");
        if (!File.Exists(path)) throw new FileNotFoundException($"The test host is not built: {path}");
        return path;
    }
}
