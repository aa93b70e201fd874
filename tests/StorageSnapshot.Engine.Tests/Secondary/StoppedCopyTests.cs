using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Tests.Orchestration;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Secondary;

/// <summary>
/// Ctrl+C during a copy: the error says what was stopped and kept and how to resume, the copy record shows the bytes
/// really stored, no temporary file stays behind, and running the copy again finishes it.
/// </summary>
[Trait(InventoryKinds.Trait, InventoryKinds.Each)]
public sealed class StoppedCopyTests : IAsyncLifetime
{
    private const long VolumeSize = 48L << 20;
    private EngineTestBed bed = null!;
    private string repository = null!;

    public async Task InitializeAsync()
    {
        bed = await EngineTestBed.CreateAsync();
        repository = Path.Combine(bed.Root, "secondary");
    }

    public async Task DisposeAsync() => await bed.DisposeAsync();

    [Fact]
    public async Task A_stopped_copy_records_what_it_stored_says_how_to_resume_and_leaves_no_temporary_files()
    {
        var engine = bed.Engine;
        await engine.RegisterSecondaryStorageAsync(new RegisterSecondaryStorageRequest("nfs1", repository) { ChunkSizeBytes = 64 << 10, CreateDirectory = true }, OperationContext.Unattended());
        var volume = await bed.NewVolumeAsync("db01", VolumeSize);
        var data = new byte[VolumeSize];
        new Random(7).NextBytes(data);
        EngineTestBed.Write(volume, 0, data);
        var snapshot = await bed.NewSnapshotAsync("db01", "nightly");
        var chunks = Path.Combine(repository, "chunks");

        // Stop once some chunks are stored (each is written and flushed on its own, so a copy of 768 chunks takes a while).
        using var stop = new CancellationTokenSource();
        var copying = engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(SnapshotSelector.Of(snapshot), "nfs1"),
            new OperationContext(new Infrastructure.RecordingOutput(), static (_, _) => true, stop.Token));
        while (!copying.IsCompleted && (!Directory.Exists(chunks) || Directory.EnumerateFiles(chunks, "*", SearchOption.AllDirectories).Count() < 8))
            await Task.Delay(5);
        await stop.CancelAsync();
        var error = await Assert.ThrowsAsync<StorageSnapshotException>(() => copying);

        var failed = Assert.Single(await engine.GetSnapshotCopiesAsync(new CopyFilter(), OperationContext.Unattended()));
        var storedFiles = Directory.EnumerateFiles(chunks, "*", SearchOption.AllDirectories).Select(f => new FileInfo(f)).ToArray();
        Assert.Equal(ErrorIds.OperationCancelled, error.ErrorId);
        Assert.Equal(CopyState.Failed, failed.State);
        Assert.True(failed.BytesWritten > 0 && failed.BytesRead >= failed.BytesWritten, $"read {failed.BytesRead}, written {failed.BytesWritten}");
        Assert.Equal(storedFiles.Sum(f => f.Length), failed.BytesWritten);
        Assert.Contains($"{storedFiles.Length} chunk(s), {failed.BytesWritten} bytes", error.Message);
        Assert.Equal(ErrorHint.RerunCopy(snapshot.Name, snapshot.Volume, "nfs1", failed.Id), error.Hint); // worded as a command by the cmdlets
        Assert.Contains($"resumes copy {failed.Id}", error.RecommendedAction);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(repository, "tmp")));

        var copy = await engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(SnapshotSelector.Of(snapshot), "nfs1"), OperationContext.Unattended());
        Assert.Equal((failed.Id, CopyState.Copied), (copy!.Id, copy.State));
        Assert.True(copy.BytesWritten < VolumeSize, "the rerun stores only the chunks the stopped run had not");
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(repository, "tmp")));
        Assert.True((await engine.TestSnapshotCopyAsync(copy.Id, compareWithSource: true, OperationContext.Unattended())).Valid);
    }
}
