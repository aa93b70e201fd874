using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Tests.Infrastructure;
using StorageSnapshot.Engine.Tests.Orchestration;

namespace StorageSnapshot.Engine.Tests.Facade;

/// <summary>
/// -WhatIf: when ShouldProcess answers no, every changing use case asks exactly once, about the right target,
/// and changes nothing — no inventory row, no backend file, no driver call.
/// </summary>
[Trait(InventoryKinds.Trait, InventoryKinds.Each)]
public sealed class WhatIfTests : IAsyncLifetime
{
    private EngineTestBed bed = null!;
    private Volume volume = null!;
    private Snapshot older = null!;
    private Snapshot newer = null!;

    public async Task InitializeAsync()
    {
        bed = await EngineTestBed.CreateAsync();
        volume = await bed.NewVolumeAsync("db01");
        EngineTestBed.Write(volume, 0, new byte[] { 1, 2, 3 });
        older = await bed.NewSnapshotAsync("db01", "older");
        newer = await bed.NewSnapshotAsync("db01", "newer");
    }

    public async Task DisposeAsync() => await bed.DisposeAsync();

    public static TheoryData<string> UseCases => new()
    {
        "RegisterBackend", "SetBackend", "UnregisterBackend", "NewVolume", "CloneVolume", "RemoveVolume",
        "NewSnapshot", "SetSnapshot", "RevertSnapshot", "RemoveSnapshot",
    };

    [Theory]
    [MemberData(nameof(UseCases))]
    public async Task Answering_no_changes_nothing(string useCase)
    {
        var otherPath = Path.Combine(bed.Root, "other");
        Directory.CreateDirectory(otherPath);
        if (useCase == "UnregisterBackend")
        {
            await bed.Engine.RegisterBackendAsync(new RegisterBackendRequest("spare", "directory", new Dictionary<string, object?> { ["Path"] = otherPath }), new RecordingContext());
        }
        var before = await bed.CaptureAsync();
        var callsBefore = bed.Driver.Calls.Count;
        var whatIf = new RecordingContext(answer: false);
        var engine = bed.Engine;

        (object? result, string expectedTarget) = useCase switch
        {
            "RegisterBackend" => ((object?)await engine.RegisterBackendAsync(new RegisterBackendRequest("lab2", "directory", new Dictionary<string, object?> { ["Path"] = otherPath }), whatIf), "backend 'lab2'"),
            "SetBackend" => (await engine.SetBackendAsync(new SetBackendRequest("lab") { MaintenanceMode = true, Reason = "x" }, whatIf), "backend 'lab'"),
            "UnregisterBackend" => (await engine.UnregisterBackendAsync("spare", whatIf), "backend 'spare'"),
            "NewVolume" => (await engine.NewVolumeAsync(new NewVolumeRequest("lab", "db02", 1 << 20), whatIf), "volume 'db02' on backend 'lab'"),
            "CloneVolume" => (await engine.CloneVolumeAsync(new CloneVolumeRequest("copy", SnapshotSelector.Of(older)), whatIf), "volume 'copy' on backend 'lab'"),
            "RemoveVolume" => (await engine.RemoveVolumeAsync(new RemoveVolumeRequest(VolumeSelector.Of(volume), IncludeSnapshots: true), whatIf), "volume 'db01' on backend 'lab'"),
            "NewSnapshot" => (await engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(volume)) { Name = "n", ClientToken = "tok" }, whatIf), "snapshot 'n' of volume 'db01' on backend 'lab'"),
            "SetSnapshot" => (await engine.SetSnapshotAsync(new SetSnapshotRequest(SnapshotSelector.Of(older)) { NewName = "renamed", Tags = new Dictionary<string, string?> { ["a"] = "b" } }, whatIf), "snapshot 'older' of volume 'db01' on backend 'lab'"),
            "RevertSnapshot" => (await engine.RevertSnapshotAsync(SnapshotSelector.Of(older), whatIf), "snapshot 'older' of volume 'db01' on backend 'lab'"),
            "RemoveSnapshot" => (await engine.RemoveSnapshotAsync(SnapshotSelector.Of(older), whatIf), "snapshot 'older' of volume 'db01' on backend 'lab'"),
            _ => throw new ArgumentOutOfRangeException(nameof(useCase)),
        };

        Assert.True(result is null or false, $"{useCase} returned {result}");
        var (target, action) = Assert.Single(whatIf.ShouldProcess.Questions);
        Assert.Equal(expectedTarget, target);
        Assert.False(string.IsNullOrWhiteSpace(action));
        Assert.Equal(before, await bed.CaptureAsync());
        Assert.Equal(callsBefore, bed.Driver.Calls.Count);
        Assert.False(File.Exists(Path.Combine(bed.BackendPath, "volumes", "db02.img"))); // a file: Directory.Exists could never fail here
    }

    [Fact]
    public async Task The_revert_question_says_what_would_be_lost()
    {
        var whatIf = new RecordingContext(answer: false);
        await bed.Engine.RevertSnapshotAsync(SnapshotSelector.Of(older), whatIf);
        var action = Assert.Single(whatIf.ShouldProcess.Questions).Action;

        Assert.Contains("Revert volume 'db01' on backend 'lab' to snapshot 'older'", action, StringComparison.Ordinal);
        Assert.Contains($"all data written to the volume since {older.CreatedUtc:yyyy-MM-dd HH:mm:ss}Z is discarded", action, StringComparison.Ordinal);
        Assert.Contains("The 1 newer snapshot(s) 'newer' are kept.", action, StringComparison.Ordinal);

        var plan = await bed.Engine.PlanRevertAsync(SnapshotSelector.Of(older), CancellationToken.None);
        Assert.Equal(action, plan.Description);
        Assert.Equal(new[] { newer.Id }, plan.NewerSnapshots.Select(s => s.Id));
        Assert.False(plan.DestroysNewerSnapshots);
        Assert.Null(plan.Refusal);
    }

    [Fact]
    public async Task The_remove_plan_shows_children_and_clones()
    {
        var clone = await bed.Engine.CloneVolumeAsync(new CloneVolumeRequest("copy", SnapshotSelector.Of(older)), new RecordingContext());
        var plan = await bed.Engine.PlanRemoveAsync(SnapshotSelector.Of(older), CancellationToken.None);

        Assert.Equal(new[] { newer.Id }, plan.Children.Select(s => s.Id));
        Assert.Equal(new[] { clone!.Id }, plan.Clones.Select(v => v.Id));
        Assert.Null(plan.Refusal); // the directory driver's clones do not depend on their snapshot
        Assert.Contains("'newer'", plan.Description, StringComparison.Ordinal);
        Assert.Contains("'copy'", plan.Description, StringComparison.Ordinal);

        // Deleting it re-parents 'newer' to its parent (none: 'older' was the first).
        Assert.True(await bed.Engine.RemoveSnapshotAsync(SnapshotSelector.Of(older), new RecordingContext()));
        Assert.Null((await bed.Engine.Inventory.GetSnapshotAsync(newer.Id, CancellationToken.None))!.ParentId);
    }
}
