using System.Collections.Concurrent;
using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Policies;
using StorageSnapshot.Engine.Tests.Infrastructure;
using StorageSnapshot.Engine.Tests.Orchestration;

namespace StorageSnapshot.Engine.Tests.Policies;

/// <summary>
/// Policies end to end through the façade on the real directory driver and a real repository: a simulated month
/// of nightly runs with an explicit time, re-runs and two schedulers at once, per-volume failures, the start window,
/// and retention that never touches what the policy did not make.
/// </summary>
[Trait(InventoryKinds.Trait, InventoryKinds.Each)]
public sealed class PolicyRunTests : IAsyncLifetime
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    private EngineTestBed bed = null!;

    public async Task InitializeAsync()
    {
        bed = await EngineTestBed.CreateAsync();
        await bed.Engine.RegisterSecondaryStorageAsync(
            new RegisterSecondaryStorageRequest("nfs1", Path.Combine(bed.Root, "repo")) { CreateDirectory = true }, OperationContext.Unattended());
    }

    public async Task DisposeAsync() => await bed.DisposeAsync();

    private StorageSnapshotEngine Engine => bed.Engine;

    private static DateTime Local(int y, int mo, int d, int h, int mi = 0) =>
        TimeZoneInfo.ConvertTimeToUtc(new DateTime(y, mo, d, h, mi, 0, DateTimeKind.Unspecified), Berlin);

    private Task<SnapshotPolicy?> NightlyAsync(string name = "nightly", string? destination = "nfs1", bool catchUp = false) =>
        Engine.NewPolicyAsync(new PolicyRequest(name)
        {
            Backends = new[] { EngineTestBed.Backend },
            Schedules = new[] { PolicySchedulesFor.Daily0200 },
            TimeZone = "Europe/Berlin",
            Retention = new RetentionRules { Daily = 7, Weekly = 2 },
            Destination = destination,
            CopyRetention = destination is null ? null : new RetentionRules { Weekly = 5 },
            CatchUp = catchUp,
        }, OperationContext.Unattended());

    private async Task<IReadOnlyList<Snapshot>> SnapshotsAsync(string volume) =>
        await Engine.GetSnapshotsAsync(new SnapshotFilter { Volumes = new[] { volume } }, OperationContext.Unattended());

    private async Task<IReadOnlyList<SnapshotCopy>> CopiesAsync() =>
        await Engine.GetSnapshotCopiesAsync(new CopyFilter(), OperationContext.Unattended());

    [Fact]
    public async Task A_month_of_nightly_runs_leaves_exactly_the_snapshots_and_copies_the_rules_keep()
    {
        await bed.NewVolumeAsync("db01");
        await bed.NewVolumeAsync("db02");
        var manual = await bed.NewSnapshotAsync("db01", "manual");
        var others = await Engine.NewSnapshotAsync(new NewSnapshotRequest(new VolumeSelector(Backend: EngineTestBed.Backend, Name: "db01"))
        {
            Name = "other-policy", ClientToken = PolicyTokens.For("other", new DateTime(2027, 1, 1, 1, 0, 0, DateTimeKind.Utc)),
        }, OperationContext.Unattended());
        await NightlyAsync();

        for (var day = 1; day <= 31; day++)
        {
            var at = Local(2027, 1, day, 2, 5);
            EngineTestBed.Write((await Engine.GetVolumesAsync(new VolumeFilter(Names: new[] { "db01" }), OperationContext.Unattended()))[0], 0, new[] { (byte)day });

            // First pass: take and copy, but answer no to every retention removal (what -WhatIf shows of it).
            var asked = new ConcurrentQueue<string>();
            var noRemovals = new OperationContext(new RecordingOutput(), (target, action) =>
            {
                if (!action.StartsWith("Remove (retention", StringComparison.Ordinal)) return true;
                asked.Enqueue(target);
                return false;
            }, CancellationToken.None);
            var first = await Engine.InvokePolicyAsync("nightly", at, noRemovals);
            Assert.Equal(0, first.Failures);
            Assert.Equal(2, first.Taken.Count);
            Assert.Equal(2, first.Copied.Count);
            Assert.Equal(0, first.SnapshotsRemoved + first.CopiesRemoved);

            // The preview at that moment lists exactly what was asked about, and the real run removes exactly that.
            var plan = await Engine.GetRetentionPlanAsync("nightly", at, OperationContext.Unattended());
            var planned = plan.Where(i => i.Action == RetentionAction.Remove).ToList();
            Assert.Equal(planned.Count, asked.Count);
            var second = await Engine.InvokePolicyAsync("nightly", at, OperationContext.Unattended());
            Assert.Empty(second.Taken);
            Assert.Equal(2, second.AlreadyTaken);
            Assert.Equal(planned.Count(i => i.Kind == RetentionItemKind.Snapshot), second.SnapshotsRemoved);
            Assert.Equal(planned.Count(i => i.Kind == RetentionItemKind.Copy), second.CopiesRemoved);

            // A third run of the same moment (a re-run after a crash, an overlapping scheduler) changes nothing.
            var third = await Engine.InvokePolicyAsync("nightly", at, OperationContext.Unattended());
            Assert.Equal((0, 0, 0, 0), (third.Taken.Count, third.SnapshotsRemoved, third.CopiesRemoved, third.Failures));
        }

        // 2027-01-31 is a Sunday. Daily 7: January 25 to 31; Weekly 2: weeks 4 (the 31st) and 3 (the 24th).
        foreach (var volume in new[] { "db01", "db02" })
        {
            var left = (await SnapshotsAsync(volume)).Where(s => s.Tags.ContainsKey("policy")).Select(s => s.Name).Order().ToList();
            var expected = Enumerable.Range(24, 8).Select(d => $"{volume}-nightly-{Local(2027, 1, d, 2):yyyyMMdd-HHmm}Z").Order().ToList();
            Assert.Equal(expected, left);
        }

        // Copies: Weekly 5 keeps each week's newest: the 31st, 24th, 17th, 10th and the 3rd (ISO 2026-W53).
        var copies = await CopiesAsync();
        foreach (var volume in new[] { "db01", "db02" })
        {
            var left = copies.Where(c => c.Volume == volume).Select(c => c.Snapshot ?? "").Order().ToList();
            var expected = new[] { 3, 10, 17, 24, 31 }.Select(d => $"{volume}-nightly-{Local(2027, 1, d, 2):yyyyMMdd-HHmm}Z").Order().ToList();
            Assert.Equal(expected, left);
        }

        // What the policy did not make is untouched.
        var db01 = await SnapshotsAsync("db01");
        Assert.Contains(db01, s => s.Id == manual.Id);
        Assert.Contains(db01, s => s.Id == others!.Id);
    }

    [Fact]
    public async Task Two_runs_at_once_take_one_snapshot_per_volume_and_slot()
    {
        await bed.NewVolumeAsync("v1");
        await bed.NewVolumeAsync("v2");
        await NightlyAsync(destination: null);
        var at = Local(2027, 3, 1, 2, 1);
        await using var second = await StorageSnapshotEngine.OpenAsync(bed.Options(TimeSpan.FromSeconds(30)), CancellationToken.None);
        var outputs = new[] { new RecordingOutput(), new RecordingOutput() };
        var runs = await Task.WhenAll(
            Task.Run(() => Engine.InvokePolicyAsync("nightly", at, new OperationContext(outputs[0], static (_, _) => true, CancellationToken.None))),
            Task.Run(() => second.InvokePolicyAsync("nightly", at, new OperationContext(outputs[1], static (_, _) => true, CancellationToken.None))));
        Assert.Empty(outputs.SelectMany(o => o.Errors).Select(e => e.Message));
        Assert.All(runs, r => Assert.Equal(0, r.Failures));
        Assert.All(runs, r => Assert.Equal(2, r.Taken.Count + r.AlreadyTaken)); // each run got the slot on both volumes
        Assert.Single(await SnapshotsAsync("v1"));
        Assert.Single(await SnapshotsAsync("v2"));
    }

    [Fact]
    public async Task A_failing_volume_writes_an_error_and_the_others_go_on()
    {
        await bed.NewVolumeAsync("good");
        var bad = await bed.NewVolumeAsync("bad");
        await NightlyAsync(destination: null);
        File.Delete(bad.Location!); // its image is gone: the driver fails for this volume only
        var output = new RecordingOutput();
        var run = await Engine.InvokePolicyAsync("nightly", Local(2027, 3, 1, 2, 1), new OperationContext(output, static (_, _) => true, CancellationToken.None));
        Assert.Equal(1, run.Failures);
        Assert.Single(run.Taken);
        Assert.Equal("good", run.Taken[0].Volume);
        Assert.Single(output.Errors);
    }

    [Fact]
    public async Task A_run_later_than_the_start_window_reports_the_slot_missed_unless_the_policy_catches_up()
    {
        await bed.NewVolumeAsync("v1");
        await NightlyAsync(destination: null);
        var output = new RecordingOutput();
        var late = await Engine.InvokePolicyAsync("nightly", Local(2027, 3, 1, 5), new OperationContext(output, static (_, _) => true, CancellationToken.None));
        Assert.Empty(late.Taken);
        Assert.Equal(new[] { Local(2027, 3, 1, 2) }, late.MissedSlotsUtc);
        Assert.Contains(output.Warnings, w => w.Contains("beyond the start window", StringComparison.Ordinal));

        await Engine.SetPolicyAsync(new PolicyRequest("nightly") { CatchUp = true }, OperationContext.Unattended());
        var caughtUp = await Engine.InvokePolicyAsync("nightly", Local(2027, 3, 1, 5), OperationContext.Unattended());
        Assert.Single(caughtUp.Taken);

        // Three nights later: the two nights in between are reported missed; the current one is taken.
        await Engine.SetPolicyAsync(new PolicyRequest("nightly") { CatchUp = false }, OperationContext.Unattended());
        var after = await Engine.InvokePolicyAsync("nightly", Local(2027, 3, 4, 2, 10), OperationContext.Unattended());
        Assert.Single(after.Taken);
        Assert.Equal(new[] { Local(2027, 3, 2, 2), Local(2027, 3, 3, 2) }, after.MissedSlotsUtc);
    }

    [Fact]
    public async Task Retention_keeps_a_snapshot_a_dependent_clone_needs_and_says_so()
    {
        var depPath = Path.Combine(bed.Root, "dep");
        Directory.CreateDirectory(depPath);
        await Engine.RegisterBackendAsync(new RegisterBackendRequest("dep", "directory-dependent", new Dictionary<string, object?> { ["Path"] = depPath }), OperationContext.Unattended());
        await Engine.NewVolumeAsync(new NewVolumeRequest("dep", "v1", 1 << 20), OperationContext.Unattended());
        await Engine.NewPolicyAsync(new PolicyRequest("keep1")
        {
            Backends = new[] { "dep" }, Schedules = new[] { "0 2 * * *" }, TimeZone = "UTC", Retention = new RetentionRules { Last = 1 },
        }, OperationContext.Unattended());
        var first = await Engine.InvokePolicyAsync("keep1", new DateTime(2027, 5, 1, 2, 0, 0, DateTimeKind.Utc), OperationContext.Unattended());
        await Engine.CloneVolumeAsync(new CloneVolumeRequest("clone", new SnapshotSelector(Id: first.Taken[0].Id)), OperationContext.Unattended());

        var output = new RecordingOutput();
        var next = await Engine.InvokePolicyAsync("keep1", new DateTime(2027, 5, 2, 2, 0, 0, DateTimeKind.Utc), new OperationContext(output, static (_, _) => true, CancellationToken.None));
        Assert.Equal((0, 1, 0), (next.SnapshotsRemoved, next.KeptForDependents, next.Failures));
        Assert.Contains(output.Warnings, w => w.Contains("clone 'clone'", StringComparison.Ordinal));
        var plan = await Engine.GetRetentionPlanAsync("keep1", new DateTime(2027, 5, 2, 3, 0, 0, DateTimeKind.Utc), OperationContext.Unattended());
        var kept = Assert.Single(plan, i => i.Id == first.Taken[0].Id);
        Assert.Equal((RetentionAction.Keep, RetentionRule.HasDependents), (kept.Action, kept.Rule));
    }

    [Fact]
    public async Task Policies_are_created_changed_listed_and_removed_and_bad_definitions_are_refused_with_every_problem()
    {
        var policy = await NightlyAsync();
        Assert.NotNull(policy);
        Assert.Equal(new[] { "0 2 * * *" }, policy!.Schedules);

        var error = await Assert.ThrowsAsync<ValidationException>(() => Engine.NewPolicyAsync(new PolicyRequest("bad")
        {
            Schedules = new[] { "0 25 * * *" }, TimeZone = "Mars/Olympus", Retention = new RetentionRules { Daily = -1 },
            CopyRetention = new RetentionRules { Weekly = 2 },
        }, OperationContext.Unattended()));
        Assert.Equal(ErrorIds.InvalidArgument, error.ErrorId);
        Assert.Contains("0 25 * * *", error.Message);
        Assert.Contains("Mars/Olympus", error.Message);
        Assert.Contains("'Daily' is -1", error.Message);
        Assert.Contains("no destination", error.Message);

        var taken = await Assert.ThrowsAsync<ConflictException>(() => NightlyAsync());
        Assert.Equal(ErrorIds.AlreadyExists, taken.ErrorId);
        var missing = await Assert.ThrowsAsync<ObjectNotFoundException>(() => Engine.SetPolicyAsync(new PolicyRequest("nope") { CatchUp = true }, OperationContext.Unattended()));
        Assert.Equal(ErrorIds.PolicyNotFound, missing.ErrorId);
        var noDestination = await Assert.ThrowsAsync<ObjectNotFoundException>(() => Engine.SetPolicyAsync(new PolicyRequest("nightly") { Destination = "nfs9" }, OperationContext.Unattended()));
        Assert.Equal(ErrorIds.SecondaryStorageNotFound, noDestination.ErrorId);

        var changed = await Engine.SetPolicyAsync(new PolicyRequest("nightly") { Retention = new RetentionRules { Last = 3 }, ClearDestination = true }, OperationContext.Unattended());
        Assert.Equal(3, changed!.Retention.Last);
        Assert.Null(changed.Destination);
        Assert.True(changed.CopyRetention.IsEmpty);
        Assert.Equal("Europe/Berlin", changed.TimeZone);

        await bed.ReopenAsync();
        var listed = Assert.Single(await Engine.GetPoliciesAsync(new[] { "night*" }, OperationContext.Unattended()));
        Assert.Equal(changed with { UpdatedUtc = listed.UpdatedUtc, CreatedUtc = listed.CreatedUtc, SnapshotTags = listed.SnapshotTags, Volumes = listed.Volumes, Backends = listed.Backends, Schedules = listed.Schedules }, listed);
        Assert.True(await Engine.RemovePolicyAsync("nightly", OperationContext.Unattended()));
        Assert.Empty(await Engine.GetPoliciesAsync(null, OperationContext.Unattended()));
        var events = await Engine.Inventory.ListEventsAsync(0, 1000, CancellationToken.None);
        Assert.Equal(new[] { EventKind.PolicyCreated, EventKind.PolicyUpdated, EventKind.PolicyRemoved },
            events.Where(e => e.TargetKind == TargetKind.Policy).Select(e => e.Kind));
    }

    [Fact]
    public async Task A_policy_name_must_fit_in_the_client_token()
    {
        var error = await Assert.ThrowsAsync<ValidationException>(() => NightlyAsync(new string('p', 65)));
        Assert.Contains("at most 64", error.Message);
    }

    [Fact]
    public async Task Expired_snapshots_are_listed_by_their_expiry()
    {
        await bed.NewVolumeAsync("v1");
        var soon = await Engine.NewSnapshotAsync(new NewSnapshotRequest(new VolumeSelector(Backend: EngineTestBed.Backend, Name: "v1")) { Name = "soon", ExpiresAt = DateTime.UtcNow.AddDays(1) }, OperationContext.Unattended());
        await Engine.NewSnapshotAsync(new NewSnapshotRequest(new VolumeSelector(Backend: EngineTestBed.Backend, Name: "v1")) { Name = "later", ExpiresAt = DateTime.UtcNow.AddDays(10) }, OperationContext.Unattended());
        await bed.NewSnapshotAsync("v1", "never");
        Assert.Empty(await Engine.GetExpiredSnapshotsAsync(null, OperationContext.Unattended()));
        var expired = await Engine.GetExpiredSnapshotsAsync(DateTime.UtcNow.AddDays(2), OperationContext.Unattended());
        Assert.Equal(new[] { soon!.Id }, expired.Select(s => s.Id));
    }
}

internal static class PolicySchedulesFor
{
    public const string Daily0200 = "0 2 * * *";
}
