using System.Diagnostics;
using StorageSnapshot.TestHost.Faults;

namespace StorageSnapshot.Engine.Tests.Faults;

/// <summary>How a child process of the fault suite ended.</summary>
/// <param name="Killed">It died of SIGKILL (its own Kill fault, or the test's).</param>
/// <param name="ExitCode">Its exit code (137 after SIGKILL).</param>
/// <param name="Lines">Everything it printed, stderr lines prefixed.</param>
/// <param name="GoToEnd">From its GO line to its exit or the kill.</param>
/// <param name="StartToGo">From the process start to its GO (runtime start-up, engine open).</param>
internal sealed record ChildOutcome(bool Killed, int ExitCode, IReadOnlyList<string> Lines, TimeSpan GoToEnd, TimeSpan StartToGo)
{
    public string Output => string.Join("\n", Lines);

    /// <summary>The DONE/ERROR/RAW line, if it got that far.</summary>
    public string? Result => Lines.FirstOrDefault(FaultChild.IsResult);

    /// <summary>How it ended, in a word: killed, succeeded, the error id, or "raw" and the exception type.</summary>
    public string Summary => Killed ? "killed" : Result?.Split(' ') switch
    {
        ["DONE", ..] => "succeeded",
        ["ERROR", var id, ..] => id,
        ["RAW", var type, ..] => "raw " + type,
        _ => $"exit {ExitCode}",
    };
}

/// <summary>
/// Runs <c>StorageSnapshot.TestHost faults run</c> (a real child process) on a world: its working directory, HOME
/// and TMPDIR are the world's child/ folders (which must stay empty), and the runtime's diagnostics socket is off
/// so that a killed child leaves nothing in TMPDIR that the engine did not write.
/// </summary>
internal static class FaultChild
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    public static bool IsResult(string line) =>
        line.StartsWith("DONE ", StringComparison.Ordinal) || line.StartsWith("ERROR ", StringComparison.Ordinal) || line.StartsWith("RAW ", StringComparison.Ordinal);

    /// <summary>
    /// Runs one operation; with <paramref name="killAfterGo"/>, SIGKILLs the child that long after it printed GO
    /// (timed on a dedicated thread, so the kill lands when the delay says and not when the thread pool gets to it).
    /// </summary>
    public static ChildOutcome Run(FaultWorld world, FaultRun run, TimeSpan? killAfterGo = null)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = world.Outside.ChildWorkingDirectory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "StorageSnapshot.TestHost.dll"));
        info.ArgumentList.Add("faults");
        info.ArgumentList.Add("run");
        info.ArgumentList.Add(world.Home);
        info.ArgumentList.Add(run.ToJson());
        info.Environment["HOME"] = world.Outside.ChildHome;
        info.Environment["TMPDIR"] = world.Outside.ChildTemp;
        info.Environment["DOTNET_EnableDiagnostics"] = "0";
        info.Environment.Remove("STORAGESNAPSHOT_HOME");

        var started = Stopwatch.StartNew();
        using var child = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        var startToGo = TimeSpan.Zero;
        var errors = new List<string>();
        child.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (errors) errors.Add("stderr: " + e.Data);
        };
        child.BeginErrorReadLine();

        var lines = new List<string>();
        var clock = new Stopwatch();
        var killed = false;
        string? line;
        var goToEnd = TimeSpan.Zero;
        while ((line = child.StandardOutput.ReadLine()) is not null)
        {
            lines.Add(line);
            if (IsResult(line) && clock.IsRunning) goToEnd = clock.Elapsed; // the operation's own length, without the exit
            if (line != "GO") continue;
            startToGo = started.Elapsed;
            clock.Start();
            if (killAfterGo is { } delay)
            {
                // Sleeps while far from the moment, spins the last 2 ms: precise without taking a core from the child.
                while (clock.Elapsed < delay && !child.HasExited)
                {
                    if (delay - clock.Elapsed > TimeSpan.FromMilliseconds(2)) Thread.Sleep(1);
                    else Thread.SpinWait(20);
                }
                if (!child.HasExited)
                {
                    child.Kill();
                    killed = true;
                }
            }
        }
        if (goToEnd == TimeSpan.Zero) goToEnd = clock.Elapsed;
        if (!child.WaitForExit(Limit))
        {
            child.Kill(entireProcessTree: true);
            throw new TimeoutException($"The fault child ran for over {Limit.TotalSeconds} s: {run.ToJson()}\n{string.Join("\n", lines)}");
        }
        child.WaitForExit(); // drains stderr
        lock (errors) lines.AddRange(errors);
        return new ChildOutcome(killed || child.ExitCode == 137, child.ExitCode, lines, goToEnd, startToGo);
    }
}
