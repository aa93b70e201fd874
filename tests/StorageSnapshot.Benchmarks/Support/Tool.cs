using System.Diagnostics;
using System.Globalization;

namespace StorageSnapshot.Benchmarks.Support;

/// <summary>
/// Runs external commands for every benchmark suite (ArgumentList, never a shell string); <see cref="Timed"/> runs one
/// timed from start to exit, under GNU time for the process's peak RSS (the e2e suite's setup installs it with restic
/// and borg).
/// </summary>
internal static class Tool
{
    /// <summary>Runs a command; throws with its output when it fails.</summary>
    public static string Run(string tool, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var (exitCode, stdout, stderr) = RunCore(tool, arguments, environment, workingDirectory);
        if (exitCode != 0)
            throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} failed ({exitCode}): {stderr.Trim()} {Tail(stdout)}");
        return stdout;
    }

    public static string Run(string tool, params string[] arguments) => Run(tool, (IEnumerable<string>)arguments);

    /// <summary>Runs a command under /usr/bin/time and returns its elapsed time and peak RSS.</summary>
    public static Timing Timed(string tool, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var rssFile = Path.GetTempFileName();
        try
        {
            var clock = Stopwatch.StartNew();
            Run("/usr/bin/time", new[] { "-f", "%M", "-o", rssFile, tool }.Concat(arguments), environment, workingDirectory);
            var elapsed = clock.Elapsed;
            var kib = File.ReadAllLines(rssFile).Select(l => l.Trim()).LastOrDefault(l => l.Length > 0 && l.All(char.IsAsciiDigit));
            return new Timing(elapsed, kib is null ? 0 : long.Parse(kib, CultureInfo.InvariantCulture) * 1024);
        }
        finally
        {
            File.Delete(rssFile);
        }
    }

    /// <summary>Flushes dirty pages and drops the page cache, dentries and inodes: the next step reads cold.</summary>
    public static void DropCaches()
    {
        Run("sync");
        File.WriteAllText("/proc/sys/vm/drop_caches", "3");
    }

    private static (int ExitCode, string Stdout, string Stderr) RunCore(string tool, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment, string? workingDirectory)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        if (workingDirectory is not null) info.WorkingDirectory = workingDirectory;
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{tool} did not start");
        process.StandardInput.Close();
        // Both pipes are drained at once: reading one to its end first would deadlock with a child that fills the
        // other pipe's buffer (64 KiB) and waits for it to be read.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    private static string Tail(string text) => text.Length <= 2000 ? text.Trim() : text[^2000..].Trim();
}
