using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Secondary.Maintenance;
using StorageSnapshot.Engine.Secondary.Repository;
using StorageSnapshot.Engine.Tests.Infrastructure;
using StorageSnapshot.Engine.Tests.Orchestration;
using static StorageSnapshot.Engine.Tests.Secondary.SecondaryOps;

namespace StorageSnapshot.Engine.Tests.Secondary;

/// <summary>
/// A repository never adopts someone else's folder and never deletes files that are not its own (issue 8, data
/// loss 1: registering a folder with files in it, then Remove-SnapshotCopy's collection, deleted the user's files
/// in its tmp/).
/// </summary>
[Trait(InventoryKinds.Trait, InventoryKinds.Each)]
public sealed class RepositoryOwnershipTests : IAsyncLifetime
{
    private EngineTestBed _bed = null!;

    public async Task InitializeAsync() => _bed = await EngineTestBed.CreateAsync();

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    private string PathOf(string name) => Path.Combine(_bed.Root, name);

    private Task<SecondaryStorage?> RegisterAsync(string name, string path, bool create = false) =>
        _bed.Engine.RegisterSecondaryStorageAsync(new RegisterSecondaryStorageRequest(name, path) { CreateDirectory = create, ChunkSizeBytes = 64 << 10 },
            OperationContext.Unattended());

    private static Dictionary<string, long> ListFiles(string root) =>
        Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
            .ToDictionary(p => Path.GetRelativePath(root, p), p => File.Exists(p) ? new FileInfo(p).Length : -1);

    [Fact]
    public async Task A_folder_holding_other_files_is_refused_naming_them_and_nothing_is_written_into_it()
    {
        var home = PathOf("home");
        Directory.CreateDirectory(Path.Combine(home, "tmp"));
        File.WriteAllText(Path.Combine(home, "tmp", "draft.txt"), "the user's own file");
        File.WriteAllText(Path.Combine(home, "notes.txt"), "more of the user's data");
        var before = ListFiles(home);

        var error = await Assert.ThrowsAsync<ValidationException>(() => RegisterAsync("home", home));

        Assert.Equal(ErrorIds.InvalidArgument, error.ErrorId);
        Assert.Contains("not empty", error.Message, StringComparison.Ordinal);
        Assert.Contains("'notes.txt'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'tmp'", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, ListFiles(home));
        Assert.Empty(await _bed.Engine.GetSecondaryStoragesAsync(null, OperationContext.Unattended()));
    }

    [Fact]
    public async Task A_missing_folder_is_created_only_when_asked_and_then_owner_only()
    {
        var typo = PathOf("mnt/bakcup");

        var refused = await Assert.ThrowsAsync<StorageSnapshotException>(() => RegisterAsync("nfs1", typo));
        Assert.False(Directory.Exists(typo));
        var storage = await RegisterAsync("nfs1", typo, create: true);

        Assert.Equal(ErrorIds.SecondaryStorageFailed, refused.ErrorId);
        Assert.Contains("does not exist", refused.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorHint.CreateRepositoryDirectory(typo), refused.Hint);
        Assert.NotNull(storage!.RepositoryId);
        Assert.Equal(32, storage.RepositoryId!.Length);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(typo));
            foreach (var folder in new[] { "chunks", "manifests", "tmp", "locks" })
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(typo, folder)));
        }
    }

    [Fact]
    public async Task An_empty_folder_or_a_fresh_filesystem_root_with_lost_and_found_gets_a_repository()
    {
        var empty = PathOf("empty");
        var fresh = PathOf("fresh");
        Directory.CreateDirectory(empty);
        Directory.CreateDirectory(Path.Combine(fresh, "lost+found"));

        var a = await RegisterAsync("a", empty);
        var b = await RegisterAsync("b", fresh);

        Assert.True(File.Exists(Path.Combine(empty, FileSystemChunkStore.FormatFileName)));
        Assert.True(File.Exists(Path.Combine(fresh, FileSystemChunkStore.FormatFileName)));
        Assert.NotEqual(a!.RepositoryId, b!.RepositoryId);
    }

    [Fact]
    public async Task One_repository_cannot_be_registered_twice_by_its_path_or_by_another_path_to_it()
    {
        var repository = PathOf("repo");
        var link = PathOf("link-to-repo");
        await RegisterAsync("first", repository, create: true);
        Directory.CreateSymbolicLink(link, repository);

        var samePath = await Assert.ThrowsAsync<ConflictException>(() => RegisterAsync("second", repository));
        var sameId = await Assert.ThrowsAsync<ConflictException>(() => RegisterAsync("third", link));
        await _bed.Engine.UnregisterSecondaryStorageAsync("first", OperationContext.Unattended());
        var again = await RegisterAsync("renamed", link);

        Assert.Equal(ErrorIds.AlreadyExists, samePath.ErrorId);
        Assert.Contains("'first'", samePath.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorIds.AlreadyExists, sameId.ErrorId);
        Assert.Contains("same repository id", sameId.Message, StringComparison.Ordinal);
        Assert.Equal("renamed", again!.Name);
    }

    [Fact]
    public async Task A_repository_made_before_ids_gets_one_when_registered_and_keeps_its_settings()
    {
        var repository = PathOf("old");
        await FileSystemChunkStore.OpenOrCreateAsync(repository, new RepositoryFormat { ChunkSize = 128 << 10 }, CancellationToken.None);
        var formatPath = Path.Combine(repository, FileSystemChunkStore.FormatFileName);
        var format = Newtonsoft.Json.Linq.JObject.Parse(File.ReadAllText(formatPath));
        format.Remove("id");
        File.WriteAllText(formatPath, format.ToString());

        var storage = await RegisterAsync("old", repository);

        Assert.Equal(128 << 10, storage!.ChunkSizeBytes);
        Assert.Equal(storage.RepositoryId, (string?)Newtonsoft.Json.Linq.JObject.Parse(File.ReadAllText(formatPath))["id"]);
    }

    [Fact]
    public async Task A_directory_that_now_holds_another_repository_is_refused_and_left_alone()
    {
        var mountPoint = PathOf("share");
        await RegisterAsync("nfs1", mountPoint, create: true);
        // Another share mounted on the same mount point: simulated by replacing the repository with a new one.
        Directory.Delete(mountPoint, recursive: true);
        await FileSystemChunkStore.OpenOrCreateAsync(mountPoint, null, CancellationToken.None);
        var volume = await _bed.NewVolumeAsync("db01", 1L << 20);
        var snapshot = await _bed.NewSnapshotAsync("db01", "nightly");
        var before = ListFiles(mountPoint);

        var error = await Assert.ThrowsAsync<StorageSnapshotException>(() =>
            _bed.Engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(SnapshotSelector.Of(snapshot), "nfs1"), OperationContext.Unattended()));

        Assert.Equal(ErrorIds.SecondaryStorageFailed, error.ErrorId);
        Assert.Contains("different repository", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, ListFiles(mountPoint));
        Assert.NotNull(volume);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_vanished_repository_is_not_reachable_rather_than_not_a_repository(bool leaveEmptyMountPoint)
    {
        var mountPoint = PathOf("share");
        await FileSystemChunkStore.OpenOrCreateAsync(mountPoint, null, CancellationToken.None);
        Directory.Delete(mountPoint, recursive: true);
        if (leaveEmptyMountPoint) Directory.CreateDirectory(mountPoint);

        var error = await Assert.ThrowsAsync<StorageSnapshotException>(() => FileSystemChunkStore.OpenAsync(mountPoint, CancellationToken.None));

        Assert.Equal(ErrorKind.ResourceUnavailable, error.Kind);
        Assert.Contains("not reachable", error.Message, StringComparison.Ordinal);
        Assert.Equal(leaveEmptyMountPoint, Directory.Exists(mountPoint)); // not re-created
    }

    [Fact]
    public async Task Collection_deletes_only_the_repositorys_own_stale_files_never_anything_else_in_its_folders()
    {
        await using var store = await FileSystemChunkStore.OpenOrCreateAsync(PathOf("repo"), new RepositoryFormat { ChunkSize = 64 << 10 }, CancellationToken.None);
        var root = store.Root;
        var image = Path.Combine(_bed.Root, "image");
        File.WriteAllBytes(image, Enumerable.Range(0, 3 * (64 << 10)).Select(i => (byte)(i * 7)).ToArray());
        var copy = await CopyFileAsync(store, image, "SNAP1");
        var longAgo = DateTime.UtcNow.AddDays(-30);

        var foreign = new[]
        {
            Path.Combine(root, "tmp", "draft.txt"),                                   // a user's file in tmp/
            Path.Combine(root, "tmp", "report.tmp"),
            Path.Combine(root, "chunks", "readme"),                                   // not in a fan-out folder
            Path.Combine(root, "chunks", "zz", new string('a', 64)),                  // a fan-out folder that is not hex
            Path.Combine(root, "chunks", "ab", new string('c', 64)),                  // a chunk name in the wrong fan-out folder
            Path.Combine(root, "chunks", "ab", "ab" + new string('C', 62)),           // upper case: not a digest
        };
        var ours = new[]
        {
            Path.Combine(root, "tmp", RepositoryFileNames.NewTemporaryChunk()),
            Path.Combine(root, "tmp", RepositoryFileNames.NewTemporaryManifest()),
            Path.Combine(root, "tmp", $"{new string('d', 64)}.{Guid.NewGuid():N}.tmp"),        // the name before the prefix
            Path.Combine(root, "tmp", $"01COPYID.{Guid.NewGuid():N}.manifest.tmp"),
            Path.Combine(root, "chunks", "ee", "ee" + new string('0', 62)),                 // an unreferenced chunk
        };
        foreach (var file in foreign.Concat(ours))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, "x");
            File.SetLastWriteTimeUtc(file, longAgo);
        }

        var stored = (await ChunkDigestsAsync(store, copy.Manifest.CopyId)).OfType<string>().Distinct().Count();
        await store.DeleteManifestAsync(copy.Manifest.CopyId, CancellationToken.None);
        var collected = await new ChunkCollector(store).CollectAsync(ChunkCollector.DefaultGracePeriod, TimeSpan.FromSeconds(5), new RecordingOutput(), CancellationToken.None,
            nowUtc: DateTime.UtcNow.AddHours(25));

        Assert.All(foreign, file => Assert.True(File.Exists(file), $"{file} was deleted"));
        Assert.All(ours, file => Assert.False(File.Exists(file), $"{file} was kept"));
        Assert.Equal(4, collected.AbandonedWritesDeleted);
        Assert.Equal(stored + 1, collected.ChunksDeleted);
    }
}
