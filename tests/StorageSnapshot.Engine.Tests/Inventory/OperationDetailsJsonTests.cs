using StorageSnapshot.Engine.Inventory;

namespace StorageSnapshot.Engine.Tests.Inventory;

/// <summary>
/// The stored form of journal details: one record per operation kind, versioned JSON, and a reader that
/// refuses what it cannot read faithfully (a newer version, another record's members, a record of the wrong kind).
/// </summary>
public sealed class OperationDetailsJsonTests
{
    public static TheoryData<OperationKind, OperationDetails> OneOfEachKind => new()
    {
        { OperationKind.CreateVolume, new CreateVolumeDetails { VolumeName = "db01" } },
        { OperationKind.CloneVolume, new CloneVolumeDetails { VolumeName = "db01-c", SourceSnapshotId = "s1", SourceSnapshotReference = "db01@s1" } },
        { OperationKind.DeleteVolume, new DeleteVolumeDetails { VolumeName = "db01" } },
        { OperationKind.CreateSnapshot, new CreateSnapshotDetails { SnapshotKey = "s1", VolumeId = "v1", VolumeReference = "db01.img" } },
        { OperationKind.RevertSnapshot, new RevertSnapshotDetails { VolumeId = "v1", VolumeReference = "a", SnapshotReference = "b", PreviousHeadSnapshotId = "s0" } },
        { OperationKind.DeleteSnapshot, new DeleteSnapshotDetails { SnapshotKey = "s1", SnapshotReference = "db01@s1", VolumeId = "v1" } },
        { OperationKind.CopyToSecondary, new CopyToSecondaryDetails { SnapshotId = "s1", Destination = "nfs1", Repository = "/mnt/b \"quoted\" ✓" } },
        { OperationKind.RestoreFromCopy, new RestoreFromCopyDetails { Mode = RestoreMode.InPlace, CopyId = "c1", CopySnapshotId = "s1", Destination = "nfs1", Repository = "/mnt/b", SafetySnapshotKey = "k", DataRestored = true } },
        { OperationKind.DeleteCopy, new DeleteCopyDetails { CopyId = "c1", Destination = "nfs1", Repository = "/mnt/b" } },
        { OperationKind.DeleteCopy, new DeleteCopyDetails { CopyId = "c1", Destination = "nfs1", Repository = "/mnt/b", CopySnapshotId = "s1", StateBefore = CopyState.Failed } },
        { OperationKind.CopyToSecondary, new CopyToSecondaryDetails { SnapshotId = "s2", Destination = "nfs1", Repository = "/mnt/b", BaseCopyId = "c1" } },
        { OperationKind.CollectChunks, new CollectChunksDetails { Destination = "nfs1", Repository = "/mnt/b", FailedCopies = ["c1", "c2"] } },
        { OperationKind.CollectChunks, new CollectChunksDetails { Destination = "nfs1", Repository = "/mnt/b" } },
        { OperationKind.RepairDrift, new RepairDriftDetails { Drift = DriftKind.Orphan, ObjectType = TargetKind.Volume, Action = DriftRepair.Adopt, Name = "stray", Id = "v1", Location = "/srv/v/stray.img" } },
        { OperationKind.RepairDrift, new RepairDriftDetails { Drift = DriftKind.UnreferencedChunks, ObjectType = TargetKind.SecondaryStorage, Action = DriftRepair.Remove } },
        { OperationKind.ImportCopies, new ImportCopiesDetails { Destination = "nfs1", Repository = "/mnt/b" } },
    };

    [Theory]
    [MemberData(nameof(OneOfEachKind))]
    public void Every_kind_round_trips_its_record_with_the_version_first(OperationKind kind, OperationDetails details)
    {
        var json = OperationDetailsJson.Write(kind, details)!;
        Assert.StartsWith("{\"version\":1,", json, StringComparison.Ordinal);
        var read = OperationDetailsJson.Read(kind, json, "op1")!;
        // The same record with the same members: written again, it is the same JSON (a list member, such as
        // CollectChunksDetails.FailedCopies, would not compare equal as an instance).
        Assert.Equal(details.GetType(), read.GetType());
        Assert.Equal(json, OperationDetailsJson.Write(kind, read));
        if (details is not CollectChunksDetails) Assert.Equal(details, read);
    }

    [Fact]
    public void Every_operation_kind_has_a_record()
    {
        foreach (var kind in Enum.GetValues<OperationKind>())
            Assert.True(OperationDetailsJson.RecordOf(kind).IsSubclassOf(typeof(OperationDetails)), kind.ToString());
    }

    [Fact]
    public void Members_are_camel_case_and_enums_are_named()
    {
        var json = OperationDetailsJson.Write(OperationKind.RestoreFromCopy,
            new RestoreFromCopyDetails { Mode = RestoreMode.NewVolume, CopyId = "c1", CopySnapshotId = "s1", Destination = "nfs1", Repository = "/r", VolumeName = "new" })!;
        Assert.Contains("\"mode\":\"NewVolume\"", json, StringComparison.Ordinal);
        Assert.Contains("\"copySnapshotId\":\"s1\"", json, StringComparison.Ordinal);
        Assert.Contains("\"dataRestored\":false", json, StringComparison.Ordinal);
    }

    [Fact]
    public void A_newer_version_is_refused_naming_the_operation()
    {
        var error = Assert.Throws<InventoryUnavailableException>(() =>
            OperationDetailsJson.Read(OperationKind.CreateVolume, "{\"version\":2,\"volumeName\":\"db01\"}", "01OPERATION"));
        Assert.Contains("01OPERATION", error.Message, StringComparison.Ordinal);
        Assert.Contains("newer", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"volumeName\":\"db01\"}")]                            // no version
    [InlineData("{\"version\":1,\"volumeName\":\"db01\",\"extra\":1}")]  // a member the record does not have
    [InlineData("{\"version\":1}")]                                     // a required member missing
    [InlineData("[1,2]")]
    [InlineData("not json")]
    public void Details_that_do_not_match_their_record_are_refused(string json)
    {
        var error = Assert.Throws<InventoryUnavailableException>(() => OperationDetailsJson.Read(OperationKind.CreateVolume, json, "op9"));
        Assert.Contains("op9", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Writing_another_kinds_record_is_a_bug()
    {
        Assert.Throws<InvalidOperationException>(() => OperationDetailsJson.Write(OperationKind.DeleteVolume, new CreateVolumeDetails { VolumeName = "x" }));
        Assert.Null(OperationDetailsJson.Write(OperationKind.DeleteVolume, null));
        Assert.Null(OperationDetailsJson.Read(OperationKind.DeleteVolume, null, "op1"));
    }
}
