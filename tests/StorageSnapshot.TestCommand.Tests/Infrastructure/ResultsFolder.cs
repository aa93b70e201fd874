using System.Diagnostics;

namespace StorageSnapshot.TestCommand.Tests.Infrastructure;

/// <summary>
/// A results folder as tests/run.sh leaves it (one sub-folder per suite with its exit code and its .trx files or
/// Pester counts) plus a floors file, under /tmp/storagesnapshot-testcommand-*; runs tests/summarise-results.sh
/// over it. Removed on dispose.
/// </summary>
public sealed class ResultsFolder : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("storagesnapshot-testcommand-").FullName;

    public string Results => Path.Combine(root, "test-results");

    public string FloorsFile => Path.Combine(root, "expected-test-floors.txt");

    /// <summary>Writes the floors file: "# comment", then "suite floor" lines.</summary>
    public ResultsFolder Floors(params (string Suite, int Floor)[] floors)
    {
        File.WriteAllLines(FloorsFile, floors.Select(f => $"{f.Suite} {f.Floor}").Prepend("# suites and their floors"));
        return this;
    }

    /// <summary>An xunit suite that ended with <paramref name="exitCode"/> and wrote these TRX files.</summary>
    public ResultsFolder Xunit(string suite, int exitCode, params string[] trxContents)
    {
        var dir = Suite(suite, exitCode);
        for (var i = 0; i < trxContents.Length; i++) File.WriteAllText(Path.Combine(dir, $"run{i}_net10.0.trx"), trxContents[i]);
        return this;
    }

    /// <summary>A suite folder with a TRX fixture copied in (real files `dotnet test` wrote, see Fixtures/).</summary>
    public ResultsFolder XunitFixture(string suite, int exitCode, string fixture)
    {
        var dir = Suite(suite, exitCode);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", fixture), Path.Combine(dir, fixture));
        return this;
    }

    /// <summary>A Pester suite: Invoke-Pester.ps1's counts file.</summary>
    public ResultsFolder Pester(string suite, int exitCode, string counts)
    {
        var dir = Suite(suite, exitCode);
        File.WriteAllText(Path.Combine(dir, "counts"), counts);
        return this;
    }

    /// <summary>A suite folder that has only the given files (e.g. no exit code: the runner never returned).</summary>
    public string Suite(string suite, int? exitCode)
    {
        var dir = Path.Combine(Results, suite);
        Directory.CreateDirectory(dir);
        if (exitCode is { } code) File.WriteAllText(Path.Combine(dir, "exit-code"), code + "\n");
        return dir;
    }

    /// <summary>Runs the summariser; <paramref name="required"/> sets STORAGESNAPSHOT_INTEGRATION=required, else it is unset.</summary>
    public Summary Summarise(bool required = false, bool partial = false)
    {
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(RepositoryRoot, "tests", "summarise-results.sh"));
        info.ArgumentList.Add(Results);
        info.ArgumentList.Add(FloorsFile);
        if (partial) info.ArgumentList.Add("--partial");
        // The test command itself runs under .ci/run with the variable set: each case decides for itself.
        info.Environment.Remove("STORAGESNAPSHOT_INTEGRATION");
        if (required) info.Environment["STORAGESNAPSHOT_INTEGRATION"] = "required";

        using var process = Process.Start(info) ?? throw new InvalidOperationException("bash did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill();
            throw new TimeoutException("summarise-results.sh did not finish in 60 s");
        }
        var output = stdout.GetAwaiter().GetResult();
        return new Summary(process.ExitCode, output.TrimEnd('\n').Split('\n'), stderr.GetAwaiter().GetResult());
    }

    /// <summary>The folder holding StorageSnapshot.sln, found from the test assembly.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "StorageSnapshot.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"No StorageSnapshot.sln above {AppContext.BaseDirectory}.");
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}

/// <summary>What the summariser printed and its exit code.</summary>
public sealed record Summary(int ExitCode, IReadOnlyList<string> Lines, string Errors)
{
    public string LastLine => Lines[^1];

    public string Text => string.Join('\n', Lines) + (Errors.Length > 0 ? "\nstderr: " + Errors : "");
}
