using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Naming;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Orchestration;

/// <summary>Default snapshot names and the journal owner's host check.</summary>
[Trait(InventoryKinds.Trait, InventoryKinds.Each)]
public sealed class SnapshotNamingTests
{
    [Fact]
    public void The_default_name_is_the_volume_and_the_UTC_time_and_stays_within_the_name_rules()
    {
        var at = new DateTime(2026, 11, 22, 3, 4, 5, DateTimeKind.Utc);
        Assert.Equal("db01-20261122-030405", SnapshotNames.Default("db01", at));
        Assert.Equal("db01-20261122-030405", SnapshotNames.Default("db01", at.ToLocalTime()));
        Assert.Equal("db01-20261122-030405-3", SnapshotNames.WithSuffix(SnapshotNames.Default("db01", at), 3));

        var longest = SnapshotNames.WithSuffix(SnapshotNames.Default(new string('v', NameRules.MaxLength), at), 999);
        Assert.Null(NameRules.Check("snapshot", longest));
    }

    [Fact]
    public async Task A_taken_default_name_gets_a_suffix()
    {
        await using var bed = await EngineTestBed.CreateAsync();
        await bed.NewVolumeAsync("db01");
        var now = DateTime.UtcNow;
        for (var second = 0; second <= 3; second++)
            await bed.NewSnapshotAsync("db01", SnapshotNames.Default("db01", now.AddSeconds(second)));

        var context = new RecordingContext();
        var named = await bed.Engine.NewSnapshotAsync(new NewSnapshotRequest(new VolumeSelector(Name: "db01")), context);

        Assert.Matches(@"^db01-\d{8}-\d{6}-2$", named!.Name);
        Assert.Equal($"snapshot '{named.Name}' of volume 'db01' on backend 'lab'", Assert.Single(context.ShouldProcess.Questions).Target);
    }

    [Fact]
    public void Only_operations_of_this_host_are_judged_by_the_local_lock()
    {
        Assert.True(Operations.OperationOwner.IsThisHost(Operations.OperationOwner.Current));
        Assert.True(Operations.OperationOwner.IsThisHost(null));
        Assert.False(Operations.OperationOwner.IsThisHost("some-other-host-" + Guid.NewGuid().ToString("N") + "/42/2026-01-01T00:00:00.000Z"));
    }
}
