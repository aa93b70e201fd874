using System.Diagnostics;

namespace StorageSnapshot.Engine.Tests.Infrastructure;

/// <summary>
/// A real filesystem on a loop device, for tests that need XFS with reflink, btrfs, ...: a sparse backing file
/// /tmp/storagesnapshot-*.img (the name CI's cleanup looks for), <c>losetup -f --show</c>, mkfs, mount on a
/// temporary directory. Dispose unmounts, detaches and deletes everything, even after a failed step.
/// Needs root; callers check with Integration.Require first.
/// </summary>
public sealed class LoopFilesystem : IDisposable
{
    private LoopFilesystem(string imagePath)
    {
        ImagePath = imagePath;
    }

    /// <summary>The sparse backing file.</summary>
    public string ImagePath { get; }

    /// <summary>The loop device (/dev/loopN), once attached.</summary>
    public string? Device { get; private set; }

    /// <summary>Where the filesystem is mounted.</summary>
    public string MountPoint { get; private set; } = "";

    /// <summary>XFS, with reflink (the mkfs default since xfsprogs 5.1, stated anyway) or without.</summary>
    public static LoopFilesystem CreateXfs(long sizeBytes = 2L << 30, bool reflink = true) =>
        Create("xfs", sizeBytes, "-f", "-q", "-m", reflink ? "reflink=1" : "reflink=0");

    /// <summary>btrfs.</summary>
    public static LoopFilesystem CreateBtrfs(long sizeBytes = 2L << 30) => Create("btrfs", sizeBytes, "-f", "-q");

    /// <summary>Makes <paramref name="fileSystem"/> (mkfs.&lt;fileSystem&gt;) on a new loop device and mounts it.</summary>
    public static LoopFilesystem Create(string fileSystem, long sizeBytes, params string[] mkfsOptions)
    {
        // Always /tmp, whatever TMPDIR says: .ci/run detaches leftovers of killed runs by that name.
        var filesystem = new LoopFilesystem($"/tmp/storagesnapshot-{fileSystem}-{Guid.NewGuid():N}.img");
        try
        {
            using (var image = new FileStream(filesystem.ImagePath, FileMode.CreateNew, FileAccess.Write))
            {
                image.SetLength(sizeBytes);
            }
            filesystem.Device = Run("losetup", "-f", "--show", filesystem.ImagePath).Trim();
            Run("mkfs." + fileSystem, mkfsOptions.Append(filesystem.Device).ToArray());
            filesystem.MountPoint = Directory.CreateTempSubdirectory("storagesnapshot-mnt-").FullName;
            Run("mount", filesystem.Device, filesystem.MountPoint);
            return filesystem;
        }
        catch
        {
            filesystem.Dispose();
            throw;
        }
    }

    /// <summary>A new, empty directory on the filesystem.</summary>
    public string CreateDirectory(string prefix)
    {
        var path = Path.Combine(MountPoint, $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        var errors = new List<Exception>();
        if (MountPoint.Length > 0 && Directory.Exists(MountPoint))
        {
            Attempt(errors, () => Unmount(MountPoint));
            Attempt(errors, () => Directory.Delete(MountPoint));
        }
        if (Device is not null) Attempt(errors, () => Run("losetup", "-d", Device));
        Attempt(errors, () => File.Delete(ImagePath));
        if (errors.Count > 0) throw new AggregateException("Cleaning up the loop filesystem failed.", errors);
    }

    /// <summary>Runs a tool (ArgumentList, never a shell string); returns stdout, throws with stderr on failure.</summary>
    public static string Run(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start '{tool}'.");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{tool} {string.Join(' ', arguments)}' did not finish in 2 minutes.");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"'{tool} {string.Join(' ', arguments)}' exited with {process.ExitCode}: {stderr.GetAwaiter().GetResult().Trim()}");
        return stdout;
    }

    private static void Unmount(string mountPoint)
    {
        // A file still open somewhere (a test that failed mid-way) makes umount answer "busy": retry, then detach lazily.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                Run("umount", mountPoint);
                return;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                Thread.Sleep(200);
            }
            catch (InvalidOperationException) when (attempt == 3)
            {
                Run("umount", "-l", mountPoint);
                return;
            }
        }
    }

    private static void Attempt(List<Exception> errors, Action step)
    {
        try
        {
            step();
        }
        catch (Exception e)
        {
            errors.Add(e);
        }
    }
}
