using System.Runtime.InteropServices;

namespace StorageSnapshot.Commands.Loading;

/// <summary>
/// Where the precompiled (ReadyToRun) copies of the engine's assemblies for the running .NET live, if the module
/// has them: <c>dependencies/ReadyToRun/net&lt;major&gt;.0-&lt;os&gt;-&lt;arch&gt;/</c> (Release builds ship
/// <c>net10.0-linux-x64</c>: PowerShell 7.6 on Linux). An image holds the assembly's IL as well, but its native code
/// is only valid for the runtime it was compiled against — other runtimes silently JIT everything again — so a
/// folder is chosen by the running runtime and platform, and any other host loads the IL in <c>dependencies/</c>
/// as before. <c>STORAGESNAPSHOT_READYTORUN=0</c> turns the images off (to compare, or to rule them out).
/// </summary>
internal static class ReadyToRunImages
{
    /// <summary>The environment variable that turns the images off when it is 0 or false.</summary>
    internal const string SwitchVariable = "STORAGESNAPSHOT_READYTORUN";

    /// <summary>The folder name for this process's runtime and platform, e.g. net10.0-linux-x64.</summary>
    internal static string RuntimeFolderName()
    {
        var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() || OperatingSystem.IsMacCatalyst() ? "osx" : "linux";
        var arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        return $"net{Environment.Version.Major}.0-{os}-{arch}";
    }

    /// <summary>The images' folder for this process under <paramref name="dependencyDirectory"/>, or null when there is none (or they are switched off).</summary>
    internal static string? FolderFor(string dependencyDirectory)
    {
        var setting = Environment.GetEnvironmentVariable(SwitchVariable);
        if (setting is "0" || string.Equals(setting, "false", StringComparison.OrdinalIgnoreCase)) return null;
        var folder = Path.Combine(dependencyDirectory, "ReadyToRun", RuntimeFolderName());
        return Directory.Exists(folder) ? folder : null;
    }
}
