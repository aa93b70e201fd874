namespace StorageSnapshot.Benchmarks.EndToEnd;

/// <summary>
/// The real pwsh 7.6.10 of the repository's local tool manifest, one process per command with the module imported
/// from the clone (<c>StorageSnapshot.psd1</c>) and the inventory in <c>STORAGESNAPSHOT_HOME</c>: what a user's
/// prompt or a scheduled runbook pays, start-up included.
/// </summary>
internal sealed class PowerShellHost
{
    private readonly string _pwsh;
    private readonly string _manifest;
    private readonly Dictionary<string, string> _environment;

    private PowerShellHost(string pwsh, string manifest, Dictionary<string, string> environment)
    {
        _pwsh = pwsh;
        _manifest = manifest;
        _environment = environment;
    }

    /// <summary>Restores the local tool (dotnet tool restore) and finds the pwsh executable beside it ($PSHOME/pwsh).</summary>
    public static string FindPwsh(string repositoryRoot)
    {
        Tool.Run("dotnet", ["tool", "restore"], workingDirectory: repositoryRoot);
        var home = Tool.Run("dotnet", ["tool", "run", "pwsh", "-NoProfile", "-NonInteractive", "-Command", "$PSHOME"], Quiet, repositoryRoot).Trim();
        var pwsh = Path.Combine(home, "pwsh");
        if (!File.Exists(pwsh)) throw new InvalidOperationException($"No pwsh executable in {home}.");
        var version = Tool.Run(pwsh, ["-NoProfile", "-NonInteractive", "-Command", "$PSVersionTable.PSVersion.ToString()"], Quiet).Trim();
        if (version != "7.6.10") throw new InvalidOperationException($"{pwsh} is PowerShell {version}, not 7.6.10.");
        return pwsh;
    }

    public static PowerShellHost Create(string pwsh, string manifest, string inventoryHome, IReadOnlyDictionary<string, string> variables)
    {
        var environment = new Dictionary<string, string>(Quiet) { ["STORAGESNAPSHOT_HOME"] = inventoryHome };
        foreach (var (name, value) in variables) environment[name] = value;
        return new PowerShellHost(pwsh, manifest, environment);
    }

    /// <summary>
    /// The module to import: <c>--module PATH</c> (a built StorageSnapshot.psd1, used as it is), or the clone's
    /// <c>StorageSnapshot.psd1</c> after building the module in Release.
    /// </summary>
    public static string ModuleManifest(string repositoryRoot, string? module)
    {
        if (module is not null)
        {
            if (!File.Exists(module)) throw new FileNotFoundException($"--module: no module manifest at {module}.", module);
            return Path.GetFullPath(module);
        }
        EndToEndBenchmark.Phase("setup: dotnet build src/StorageSnapshot -c Release (the module in out/StorageSnapshot)", () => EndToEndBenchmark.BuildModule(repositoryRoot));
        return Path.Combine(repositoryRoot, "StorageSnapshot.psd1");
    }

    /// <summary>No telemetry, no update check: nothing but the command runs.</summary>
    private static Dictionary<string, string> Quiet => new() { ["POWERSHELL_TELEMETRY_OPTOUT"] = "1", ["POWERSHELL_UPDATECHECK"] = "Off" };

    /// <summary>Runs <paramref name="command"/> untimed and returns what it wrote.</summary>
    public string Run(string command) => Tool.Run(_pwsh, Arguments(command), _environment);

    /// <summary>Runs <paramref name="command"/> as a user would: a new pwsh, the module imported, the command.</summary>
    public Timing Timed(string command) => Tool.Timed(_pwsh, Arguments(command), _environment);

    private string[] Arguments(string command) =>
        ["-NoProfile", "-NonInteractive", "-Command", $"$ErrorActionPreference = 'Stop'; Import-Module '{_manifest}'; {command}"];
}
