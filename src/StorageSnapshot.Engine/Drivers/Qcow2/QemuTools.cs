using System.Diagnostics;

namespace StorageSnapshot.Engine.Drivers.Qcow2;

/// <summary>
/// Runs qemu-img (Debian: qemu-utils) with ProcessStartInfo.ArgumentList, never a shell string. A non-zero exit is
/// an <see cref="IOException"/> carrying the command and qemu's own message; cancellation kills the process.
/// </summary>
internal static class QemuTools
{
    /// <summary>qemu-img.</summary>
    public const string QemuImg = "qemu-img";

    /// <summary>qemu-nbd (the NBD server of the same package).</summary>
    public const string QemuNbd = "qemu-nbd";

    /// <summary>The full path of <paramref name="tool"/> on PATH (or /usr/bin, /usr/sbin), or null.</summary>
    public static string? Find(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(new[] { "/usr/bin", "/usr/sbin", "/usr/local/bin" })
            .Select(directory => Path.Combine(directory, tool))
            .FirstOrDefault(File.Exists);

    /// <summary>Runs <c>qemu-img</c> with <paramref name="arguments"/> in <paramref name="workingDirectory"/>; returns its standard output.</summary>
    public static async Task<string> RunImgAsync(string workingDirectory, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var tool = Find(QemuImg) ?? throw new FileNotFoundException("qemu-img is not installed (Debian and Ubuntu: apt install qemu-utils).", QemuImg);
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // qemu's messages in English whatever the user's locale, so that errors read the same everywhere.
        start.Environment["LC_ALL"] = "C";
        using var process = Process.Start(start) ?? throw new IOException($"Could not start '{tool}'.");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It ended by itself meanwhile.
            }
            throw;
        }
        var output = await stdout.ConfigureAwait(false);
        var errors = (await stderr.ConfigureAwait(false)).Trim();
        if (process.ExitCode != 0)
            throw new IOException($"'qemu-img {string.Join(' ', start.ArgumentList)}' failed (exit code {process.ExitCode}): {(errors.Length > 0 ? errors : output.Trim())}");
        return output;
    }
}
