using System.Diagnostics;

namespace StorageSnapshot.Engine.Drivers.Qcow2.Nbd;

/// <summary>
/// One image exported by a qemu-nbd process of our own on a unix socket in a private (0700) temporary folder, and
/// our <see cref="NbdClient"/> connected to it. qemu-nbd (Debian's qemu-utils) is qemu's block layer as a server,
/// as qemu-storage-daemon is, without another package; it opens the image with qemu's own locking, so a VM holding
/// the image makes it fail, and it exits when its one client disconnects — also when this process dies and the
/// kernel closes the socket, so no export outlives its owner.
/// </summary>
internal sealed class QemuNbdExport : IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly Process process;
    private readonly string folder;

    private QemuNbdExport(Process process, string folder, NbdClient client)
    {
        this.process = process;
        this.folder = folder;
        Client = client;
    }

    /// <summary>The connected client.</summary>
    public NbdClient Client { get; }

    /// <summary>Exports <paramref name="image"/> (qcow2), writable unless <paramref name="readOnly"/>, and connects to it.</summary>
    public static async Task<QemuNbdExport> StartAsync(string image, bool readOnly, CancellationToken cancellationToken)
    {
        var tool = QemuTools.Find(QemuTools.QemuNbd) ?? throw new FileNotFoundException("qemu-nbd is not installed (Debian and Ubuntu: apt install qemu-utils).", QemuTools.QemuNbd);
        // A private folder: anyone who can reach the socket can read or write the image.
        var folder = System.IO.Directory.CreateTempSubdirectory("storagesnapshot-nbd-").FullName;
        var socketPath = Path.Combine(folder, "nbd.sock");
        var start = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "--socket=" + socketPath, "--format=qcow2", "--cache=writeback", "--aio=threads", "--export-name=", "--shared=1" })
            start.ArgumentList.Add(argument);
        if (readOnly) start.ArgumentList.Add("--read-only");
        start.ArgumentList.Add(image);
        start.Environment["LC_ALL"] = "C";

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new IOException($"Could not start '{tool}'.");
        }
        catch
        {
            System.IO.Directory.Delete(folder, recursive: true);
            throw;
        }
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        try
        {
            var clock = Stopwatch.StartNew();
            NbdClient? client = null;
            while (client is null)
            {
                if (process.HasExited)
                    throw new IOException($"qemu-nbd could not export '{image}' (exit code {process.ExitCode}): {(await stderr.ConfigureAwait(false)).Trim()}");
                if (clock.Elapsed > StartTimeout) throw new TimeoutException($"qemu-nbd did not accept connections for '{image}' within {StartTimeout.TotalSeconds} s.");
                try
                {
                    // The socket file appears at bind(2), a moment before listen(2): until then connecting is refused.
                    if (File.Exists(socketPath)) client = await NbdClient.ConnectAsync(socketPath, "", cancellationToken).ConfigureAwait(false);
                }
                catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode is System.Net.Sockets.SocketError.ConnectionRefused or System.Net.Sockets.SocketError.AddressNotAvailable)
                {
                }
                if (client is null) await Task.Delay(5, cancellationToken).ConfigureAwait(false);
            }
            return new QemuNbdExport(process, folder, client);
        }
        catch
        {
            Stop(process);
            process.Dispose();
            System.IO.Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    /// <summary>Disconnects, waits for qemu-nbd to close the image and exit (killing it after 30 s), removes the socket folder.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await Client.DisposeAsync().ConfigureAwait(false);
            using var wait = new CancellationTokenSource(StartTimeout);
            try
            {
                await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Stop(process);
            }
        }
        finally
        {
            process.Dispose();
            try
            {
                System.IO.Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // A socket file left in a private temporary folder: harmless.
            }
        }
    }

    /// <summary>The same, synchronously.</summary>
    public void Dispose()
    {
        try
        {
            Client.Close();
            if (!process.WaitForExit(StartTimeout)) Stop(process);
        }
        finally
        {
            process.Dispose();
            try
            {
                System.IO.Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // A socket file left in a private temporary folder: harmless.
            }
        }
    }

    private static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
