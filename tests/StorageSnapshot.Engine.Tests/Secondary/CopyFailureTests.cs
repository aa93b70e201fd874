using System.Diagnostics;
using System.Security.Cryptography;
using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Secondary;
using StorageSnapshot.Engine.Secondary.Copy;
using StorageSnapshot.Engine.Tests.Infrastructure;
using StorageSnapshot.Engine.Drivers.Directory;
using static StorageSnapshot.Engine.Tests.Secondary.SecondaryOps;

namespace StorageSnapshot.Engine.Tests.Secondary;

/// <summary>Disk full, permission denied, a target that vanishes, Ctrl+C: a clear error, nothing committed, the source untouched.</summary>
public sealed class CopyFailureTests : IDisposable
{
    private const int Chunk = 64 * 1024;
    private readonly SecondaryScratch _scratch = new();
    private readonly List<string> _mounts = new();

    public void Dispose()
    {
        foreach (var mount in _mounts) Run("umount", "-l", mount);
        _scratch.Dispose();
    }

    [IntegrationFact(true, "mount", "umount")]
    public async Task A_full_target_fails_with_a_clear_error_and_commits_nothing()
    {
        var mount = MountTmpfs("small", "2m");
        var store = await Engine.Secondary.Repository.FileSystemChunkStore.OpenOrCreateAsync(Path.Combine(mount, "repo"),
            new Engine.Secondary.Repository.RepositoryFormat { ChunkSize = Chunk }, CancellationToken.None);
        var image = _scratch.RandomImage("image", 4L << 20, seed: 1);
        var before = Hash(image);

        var error = await Assert.ThrowsAsync<Engine.Secondary.Repository.SecondaryStorageFullException>(() => CopyFileAsync(store, image, "SNAP1"));

        Assert.Equal(ErrorIds.SecondaryStorageFailed, error.ErrorId);
        Assert.Equal(ErrorKind.WriteError, error.Kind);
        Assert.Contains("is full", error.Message, StringComparison.Ordinal);
        Assert.Empty(await store.ListManifestsAsync(CancellationToken.None));
        Assert.Equal(before, Hash(image));
    }

    [IntegrationFact(true, "setpriv")]
    public async Task A_target_the_user_may_not_write_fails_with_permission_denied()
    {
        // Root may write anywhere: the copy runs as 'nobody' in a child process against a root-owned repository.
        if (OperatingSystem.IsLinux()) File.SetUnixFileMode(_scratch.Root, (UnixFileMode)Convert.ToInt32("755", 8));
        var store = await _scratch.RepositoryAsync();
        var image = _scratch.RandomImage("image", 8L * Chunk, seed: 2);
        var before = Hash(image);

        var (exitCode, output) = await RunAsNobodyAsync("secondary", "copy", store.Root, image, "SNAP1");

        Assert.Equal(1, exitCode);
        Assert.Contains($"error {ErrorIds.SecondaryStorageFailed} {ErrorKind.PermissionDenied}: Permission denied", output, StringComparison.Ordinal);
        Assert.Empty(await store.ListManifestsAsync(CancellationToken.None));
        Assert.Equal(before, Hash(image));
    }

    [Fact]
    public async Task A_target_that_vanishes_mid_copy_fails_with_a_clear_error_and_the_source_untouched()
    {
        var store = await _scratch.RepositoryAsync();
        var image = _scratch.RandomImage("image", 64L * Chunk, seed: 3);
        var before = Hash(image);
        // The repository disappears at once, as when a share is unmounted under the copy.
        using var reader = new ActionAtOffsetReader(new FileBlockReader(image), 32L * Chunk, () => Directory.Move(store.Root, store.Root + "-gone"));

        var error = await Assert.ThrowsAsync<StorageSnapshotException>(() => new SnapshotCopier(store, new TransferOptions { Parallelism = 1 })
            .CopyAsync(new CopyRequest { Source = reader, Identity = Identity("SNAP1"), CopyId = CopyIdOf("SNAP1") }, new RecordingOutput(), CancellationToken.None));

        Assert.Equal(ErrorIds.SecondaryStorageFailed, error.ErrorId);
        Assert.Equal(ErrorKind.ResourceUnavailable, error.Kind);
        Assert.Contains("is not reachable", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(store.Root + "-gone", "manifests")));
        Assert.False(Directory.Exists(store.Root), "the copy re-created the vanished repository");
        Assert.Equal(before, Hash(image));
    }

    [Fact]
    public async Task A_cancelled_copy_commits_nothing_and_a_rerun_reuses_what_it_stored()
    {
        var store = await _scratch.RepositoryAsync();
        var image = _scratch.RandomImage("image", 64L * Chunk, seed: 4);
        using var cancel = new CancellationTokenSource();
        using var reader = new ActionAtOffsetReader(new FileBlockReader(image), 40L * Chunk, cancel.Cancel);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new SnapshotCopier(store)
            .CopyAsync(new CopyRequest { Source = reader, Identity = Identity("SNAP1"), CopyId = CopyIdOf("SNAP1") }, new RecordingOutput(), cancel.Token));
        Assert.Empty(await store.ListManifestsAsync(CancellationToken.None));

        var rerun = await CopyFileAsync(store, image, "SNAP1");
        Assert.True(rerun.Statistics.ChunksReused > 0, "the rerun stored everything again");
        Assert.Equal(64, rerun.Statistics.ChunksReused + rerun.Statistics.ChunksNew);
    }

    [Fact]
    public async Task A_failing_source_is_DriverFailed_and_commits_nothing()
    {
        var store = await _scratch.RepositoryAsync();
        var image = _scratch.RandomImage("image", 16L * Chunk, seed: 5);
        using var reader = new ActionAtOffsetReader(new FileBlockReader(image), 8L * Chunk, () => throw new IOException("Input/output error"));

        var error = await Assert.ThrowsAsync<DriverFailedException>(() => new SnapshotCopier(store)
            .CopyAsync(new CopyRequest { Source = reader, Identity = Identity("SNAP1"), CopyId = CopyIdOf("SNAP1") }, new RecordingOutput(), CancellationToken.None));

        Assert.Contains("Input/output error", error.Message, StringComparison.Ordinal);
        Assert.Empty(await store.ListManifestsAsync(CancellationToken.None));
    }

    private string MountTmpfs(string name, string size)
    {
        var path = _scratch.PathOf(name);
        Directory.CreateDirectory(path);
        var (code, output) = Run("mount", "-t", "tmpfs", "-o", $"size={size}", "storagesnapshot-test", path);
        Assert.True(code == 0, $"mount failed: {output}");
        _mounts.Add(path);
        return path;
    }

    private static (int ExitCode, string Output) Run(string tool, params string[] arguments)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }

    private static async Task<(int ExitCode, string Output)> RunAsNobodyAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", "dotnet", TestHostProcess.AssemblyPath }.Concat(arguments))
        {
            info.ArgumentList.Add(a);
        }
        info.Environment["HOME"] = "/tmp";
        info.Environment["DOTNET_CLI_HOME"] = "/tmp";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }

    /// <summary>A real reader that runs a fault (delete the target, cancel, fail) the first time a read reaches an offset.</summary>
    private sealed class ActionAtOffsetReader(IBlockReader inner, long offset, Action action) : IBlockReader
    {
        private int _fired;

        public long Length => inner.Length;

        public ValueTask<int> ReadAsync(long position, Memory<byte> buffer, CancellationToken cancellationToken)
        {
            if (position >= offset && Interlocked.Exchange(ref _fired, 1) == 0) action();
            return inner.ReadAsync(position, buffer, cancellationToken);
        }

        public Task<IReadOnlyList<ByteRange>?> GetAllocatedRangesAsync(CancellationToken cancellationToken) => inner.GetAllocatedRangesAsync(cancellationToken);

        public void Dispose() => inner.Dispose();
    }
}
