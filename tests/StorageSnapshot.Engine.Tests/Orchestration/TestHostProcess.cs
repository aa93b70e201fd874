using System.Diagnostics;

namespace StorageSnapshot.Engine.Tests.Orchestration;

/// <summary>
/// A StorageSnapshot.TestHost child process (copied next to the tests by the project reference), started with
/// ArgumentList, its output read line by line so a test can wait for READY and then race it or kill it, and its
/// standard input open so a test can tell a child holding "until-go" to let go (<see cref="SayGoAsync"/>).
/// </summary>
public sealed class TestHostProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly List<string> lines = new();
    private readonly SemaphoreSlim lineArrived = new(0);

    private TestHostProcess(Process process)
    {
        this.process = process;
    }

    public static TestHostProcess Start(params string[] arguments) => Start(new Dictionary<string, string>(), arguments);

    /// <summary>Starts the child with <paramref name="environment"/> added to this process's environment.</summary>
    public static TestHostProcess Start(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var host = Path.Combine(AppContext.BaseDirectory, "StorageSnapshot.TestHost.dll");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(host);
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        foreach (var (name, value) in environment) info.Environment[name] = value;

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new TestHostProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (child.lines) child.lines.Add(e.Data);
            child.lineArrived.Release();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (child.lines) child.lines.Add("stderr: " + e.Data);
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    public int Id => process.Id;

    public IReadOnlyList<string> Lines
    {
        get { lock (lines) return lines.ToList(); }
    }

    /// <summary>Waits for a line starting with <paramref name="prefix"/>; fails with everything the child said when it does not come.</summary>
    public async Task<string> WaitForLineAsync(string prefix, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var found = Lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
            if (found is not null) return found;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || (process.HasExited && !await lineArrived.WaitAsync(200)))
                throw new Xunit.Sdk.XunitException($"The test host did not print '{prefix}'. It printed:\n{string.Join('\n', Lines)}");
            await lineArrived.WaitAsync(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>The parent's half of the handshake: a child holding "until-go" lets go.</summary>
    public async Task SayGoAsync()
    {
        await process.StandardInput.WriteLineAsync("GO");
        await process.StandardInput.FlushAsync();
    }

    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return process.ExitCode;
    }

    /// <summary>SIGKILL: the process gets no chance to clean up, as in a crash.</summary>
    public async Task KillAsync()
    {
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited) await KillAsync();
        process.Dispose();
        lineArrived.Dispose();
    }
}
