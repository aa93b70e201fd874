using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Tests.Infrastructure;
using StorageSnapshot.Engine.Tests.Orchestration;

namespace StorageSnapshot.Engine.Tests.Facade;

/// <summary>
/// Everything the module creates is its owner's alone (issue 8 found volume images, snapshots, clones, chunks,
/// manifests and lock files 0644 and the home folder and locks/ 0755): files 0600, folders 0700, whatever the
/// process umask — unless a directory backend asks for group access with its Mode property.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[Trait(InventoryKinds.Trait, InventoryKinds.Each)]
public sealed class PermissionTests : IAsyncLifetime
{
    private const UnixFileMode Owner = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerFolder = Owner | UnixFileMode.UserExecute;
    private EngineTestBed bed = null!;

    public async Task InitializeAsync() => bed = await EngineTestBed.CreateAsync();

    public async Task DisposeAsync() => await bed.DisposeAsync();

    private static string ModeOf(string path) => "0" + Convert.ToString((int)File.GetUnixFileMode(path) & 0x1FF, 8).PadLeft(3, '0');

    private static void AllFilesAre(string root, string mode)
    {
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToList();
        Assert.NotEmpty(files);
        Assert.All(files, file => Assert.True(ModeOf(file) == mode, $"{file} is {ModeOf(file)}, not {mode}"));
    }

    private static void AllFoldersAre(string root, string mode)
    {
        var folders = Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories).ToList();
        Assert.NotEmpty(folders);
        Assert.All(folders, folder => Assert.True(ModeOf(folder) == mode, $"{folder} is {ModeOf(folder)}, not {mode}"));
    }

    [Fact]
    [Trait(InventoryKinds.Trait, InventoryKinds.SqliteOnly)] // the SQLite file and the host's lock files
    public async Task The_home_folder_the_inventory_and_the_lock_files_are_the_owners_alone()
    {
        if (!OperatingSystem.IsLinux()) return;
        await bed.NewVolumeAsync("db01"); // takes the volume lock: creates locks/ and a lock file

        Assert.Equal("0700", ModeOf(bed.Home));
        Assert.Equal("0700", ModeOf(Path.Combine(bed.Home, "locks")));
        AllFilesAre(Path.Combine(bed.Home, "locks"), "0600");
        AllFilesAre(bed.Home, "0600"); // inventory.db, its -wal and -shm, and the lock files
    }

    [Fact]
    public async Task Volume_snapshot_and_clone_images_and_their_folders_are_the_owners_alone()
    {
        if (!OperatingSystem.IsLinux()) return;
        await bed.NewVolumeAsync("db01");
        var snapshot = await bed.NewSnapshotAsync("db01", "nightly");
        await bed.Engine.CloneVolumeAsync(new CloneVolumeRequest("db01-clone", SnapshotSelector.Of(snapshot)), OperationContext.Unattended());

        Assert.Contains("volumes/db01-clone.img", bed.BackendFiles());
        AllFilesAre(bed.BackendPath, "0600");
        AllFoldersAre(bed.BackendPath, "0700");
    }

    [Fact]
    public async Task A_revert_keeps_the_permissions_the_volume_image_has()
    {
        if (!OperatingSystem.IsLinux()) return;
        var volume = await bed.NewVolumeAsync("db01");
        var snapshot = await bed.NewSnapshotAsync("db01", "nightly");
        File.SetUnixFileMode(volume.Location!, Owner | UnixFileMode.GroupRead); // opened to a hypervisor's group by an admin

        await bed.Engine.RevertSnapshotAsync(SnapshotSelector.Of(snapshot), OperationContext.Unattended());

        Assert.Equal("0640", ModeOf(volume.Location!));
        Assert.Equal("0600", ModeOf(snapshot.Location!));
    }

    [Theory]
    [InlineData("0660", "0660", "0770")]
    [InlineData("660", "0660", "0770")]
    [InlineData("0640", "0640", "0750")]
    [InlineData("0600", "0600", "0700")]
    public async Task A_backend_Mode_gives_its_group_access_exactly_whatever_the_umask(string given, string files, string folders)
    {
        if (!OperatingSystem.IsLinux()) return;
        var path = Directory.CreateDirectory(Path.Combine(bed.Root, "shared")).FullName;
        var backend = await bed.Engine.RegisterBackendAsync(
            new RegisterBackendRequest("shared", "directory", new Dictionary<string, object?> { ["Path"] = path, ["Mode"] = given }), OperationContext.Unattended());
        Assert.Equal(files, backend!.Properties["Mode"]);

        var volume = await bed.Engine.NewVolumeAsync(new NewVolumeRequest("shared", "vm1", 1 << 20), OperationContext.Unattended());
        var snapshot = await bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(volume!)), OperationContext.Unattended());
        await bed.Engine.CloneVolumeAsync(new CloneVolumeRequest("vm2", SnapshotSelector.Of(snapshot!)), OperationContext.Unattended());

        AllFilesAre(path, files);
        AllFoldersAre(path, folders);
    }

    [Theory]
    [InlineData("0644")]
    [InlineData("0666")]
    [InlineData("0777")]
    [InlineData("0700")]
    [InlineData("rw-rw----")]
    public async Task A_Mode_that_would_open_images_to_everyone_or_is_not_one_of_the_three_is_refused(string mode)
    {
        var path = Directory.CreateDirectory(Path.Combine(bed.Root, "shared")).FullName;
        var error = await Assert.ThrowsAsync<ValidationException>(() => bed.Engine.RegisterBackendAsync(
            new RegisterBackendRequest("shared", "directory", new Dictionary<string, object?> { ["Path"] = path, ["Mode"] = mode }), OperationContext.Unattended()));
        Assert.Equal(ErrorIds.PropertyValidationFailed, error.ErrorId);
        Assert.Contains("0600, 0640, 0660", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Repository_files_and_folders_and_a_volume_restored_from_a_copy_are_the_owners_alone()
    {
        if (!OperatingSystem.IsLinux()) return;
        var volume = await bed.NewVolumeAsync("db01", 1 << 20);
        EngineTestBed.Write(volume, 4096, new byte[] { 1, 2, 3 });
        var snapshot = await bed.NewSnapshotAsync("db01", "nightly");
        var repository = Path.Combine(bed.Root, "secondary");
        await bed.Engine.RegisterSecondaryStorageAsync(new RegisterSecondaryStorageRequest("nfs1", repository) { CreateDirectory = true, ChunkSizeBytes = 64 << 10 }, OperationContext.Unattended());
        var copy = await bed.Engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(SnapshotSelector.Of(snapshot), "nfs1"), OperationContext.Unattended());
        var restored = await bed.Engine.NewVolumeFromCopyAsync(new NewVolumeFromCopyRequest("db01-restored", copy!.Id), OperationContext.Unattended());

        Assert.Equal("0700", ModeOf(repository));
        Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(repository, "chunks"), "*", SearchOption.AllDirectories));
        AllFilesAre(repository, "0600"); // repository.json, chunks, manifests, lock files
        AllFoldersAre(repository, "0700");
        Assert.Equal("0600", ModeOf(restored!.Location!));
    }
}
