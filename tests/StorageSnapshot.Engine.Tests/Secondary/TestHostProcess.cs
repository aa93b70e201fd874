using System.Diagnostics;

namespace StorageSnapshot.Engine.Tests.Secondary;

/// <summary>Starts StorageSnapshot.TestHost (copied next to the tests by the project reference) with plain redirected output.</summary>
public static class TestHostProcess
{
    /// <summary>The test host's assembly.</summary>
    public static string AssemblyPath { get; } = Path.Combine(AppContext.BaseDirectory, "StorageSnapshot.TestHost.dll");

    public static Process Start(params string[] arguments)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(AssemblyPath);
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        return Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
    }
}
