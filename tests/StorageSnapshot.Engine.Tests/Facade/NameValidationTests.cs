using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Tests.Infrastructure;
using StorageSnapshot.Engine.Tests.Orchestration;

namespace StorageSnapshot.Engine.Tests.Facade;

/// <summary>
/// Every use case that takes a new name refuses one with a trailing newline (and other line breaks) with
/// InvalidName before asking ShouldProcess, and leaves the inventory, the backend directory and the repository
/// exactly as they were (issue 8: "nl`n" made a volume image named "nl\n.img").
/// </summary>
[Trait(InventoryKinds.Trait, InventoryKinds.Each)]
public sealed class NameValidationTests : IAsyncLifetime
{
    private EngineTestBed bed = null!;
    private Snapshot snapshot = null!;
    private SnapshotCopy copy = null!;
    private string repository = null!;

    public async Task InitializeAsync()
    {
        bed = await EngineTestBed.CreateAsync();
        await bed.NewVolumeAsync("db01");
        snapshot = await bed.NewSnapshotAsync("db01", "nightly");
        repository = Path.Combine(bed.Root, "secondary");
        await bed.Engine.RegisterSecondaryStorageAsync(new RegisterSecondaryStorageRequest("nfs1", repository) { CreateDirectory = true, ChunkSizeBytes = 64 << 10 }, OperationContext.Unattended());
        copy = (await bed.Engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(SnapshotSelector.Of(snapshot), "nfs1"), OperationContext.Unattended()))!;
    }

    public async Task DisposeAsync() => await bed.DisposeAsync();

    public static TheoryData<string> BadNames => new() { "nl\n", "nl\r\n", "nl\r", "nl\u0085", "nl\u2028", "nl\0" };

    private async Task RefusedAsInvalidName(Func<OperationContext, Task> call)
    {
        var before = await bed.CaptureAsync();
        var repositoryBefore = Listing(repository);
        var context = new RecordingContext();
        var error = await Assert.ThrowsAsync<ValidationException>(() => call(context));
        Assert.Equal(ErrorIds.InvalidName, error.ErrorId);
        Assert.Empty(context.ShouldProcess.Questions);
        Assert.Equal(before, await bed.CaptureAsync());
        Assert.Equal(repositoryBefore, Listing(repository));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(bed.Root, "*", SearchOption.AllDirectories), path => Path.GetFileName(path).StartsWith("nl", StringComparison.Ordinal));
    }

    private static string Listing(string root) =>
        string.Join("\n", Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(BadNames))]
    public Task New_volume(string name) =>
        RefusedAsInvalidName(c => bed.Engine.NewVolumeAsync(new NewVolumeRequest(EngineTestBed.Backend, name, 1 << 20), c));

    [Theory]
    [MemberData(nameof(BadNames))]
    public Task Clone(string name) =>
        RefusedAsInvalidName(c => bed.Engine.CloneVolumeAsync(new CloneVolumeRequest(name, SnapshotSelector.Of(snapshot)), c));

    [Theory]
    [MemberData(nameof(BadNames))]
    public Task New_volume_from_a_copy(string name) =>
        RefusedAsInvalidName(c => bed.Engine.NewVolumeFromCopyAsync(new NewVolumeFromCopyRequest(name, copy.Id), c));

    [Theory]
    [MemberData(nameof(BadNames))]
    public Task New_snapshot(string name) =>
        RefusedAsInvalidName(c => bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(new VolumeSelector(Backend: EngineTestBed.Backend, Name: "db01")) { Name = name }, c));

    [Theory]
    [MemberData(nameof(BadNames))]
    public Task Rename_a_snapshot_with_NewName(string name) =>
        RefusedAsInvalidName(c => bed.Engine.SetSnapshotAsync(new SetSnapshotRequest(SnapshotSelector.Of(snapshot)) { NewName = name }, c));

    [Theory]
    [MemberData(nameof(BadNames))]
    public Task Register_a_backend(string name)
    {
        var folder = Directory.CreateDirectory(Path.Combine(bed.Root, "other")).FullName;
        return RefusedAsInvalidName(c => bed.Engine.RegisterBackendAsync(new RegisterBackendRequest(name, "directory", new Dictionary<string, object?> { ["Path"] = folder }), c));
    }

    [Theory]
    [MemberData(nameof(BadNames))]
    public Task Register_secondary_storage(string name) =>
        RefusedAsInvalidName(c => bed.Engine.RegisterSecondaryStorageAsync(new RegisterSecondaryStorageRequest(name, Path.Combine(bed.Root, "repo2")) { CreateDirectory = true }, c));

    [Theory]
    [MemberData(nameof(BadNames))]
    public Task Look_ups_by_a_name_with_a_newline_find_nothing_and_say_so(string name) =>
        RefusedAsInvalidName(c => bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(new VolumeSelector(Backend: EngineTestBed.Backend, Name: name)), c));
}
