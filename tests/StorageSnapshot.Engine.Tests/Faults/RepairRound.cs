using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Faults;

/// <summary>
/// What a user does after a crash: repair every unfinished operation, as Repair-StorageOperation -All does, through
/// the engine. Then the world must be settled (<see cref="CheckMode.Repaired"/>: nothing NeedsRecovery, no object in
/// a passing state, every image exactly the old or the new contents as the repair's direction says, nothing on the
/// storage the inventory does not know), and a second repair of the same entries must ask nothing and change nothing.
/// </summary>
internal static class RepairRound
{
    /// <summary>Repairs and checks; returns the problems found (none when nothing needed repair) and how many entries it repaired.</summary>
    public static async Task<(CheckReport Report, int Repaired)> RunAsync(FaultWorld world, FaultTally tally)
    {
        var report = new CheckReport();
        var context = new OperationContext(new RecordingOutput(), static (_, _) => true, CancellationToken.None);
        var repairable = await world.Engine.GetRepairableOperationsAsync(context);
        if (repairable.Count == 0) return (report, 0);

        foreach (var entry in repairable)
        {
            try
            {
                var recovered = await world.Engine.RepairOperationAsync(entry.Id, context);
                if (recovered is not { State: OperationState.Recovered })
                    report.Violation("repair", $"repairing {entry.Id} ({entry.Kind}) returned {recovered?.State.ToString() ?? "nothing"}");
                else tally.Count($"repaired: {entry.Kind}{Mode(entry)} {recovered.Recovery}");
            }
            catch (StorageSnapshotException e)
            {
                report.Violation("repair", $"repairing {entry.Id} ({entry.Kind}{Mode(entry)}) failed: {e.ErrorId} {e.Message}");
            }
            catch (Exception e)
            {
                report.Violation("error", $"repairing {entry.Id} ({entry.Kind}) let a {e.GetType().Name} escape: {e.Message}");
            }
        }

        var state = await world.SettleModelAsync();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var check = await InvariantChecker.CheckAsync(world, state, CheckMode.Repaired);
        tally.AddCheckTime(clock.Elapsed);
        report.Violations.AddRange(check.Violations.Select(v => "after repair: " + v));

        // Idempotent: the same entries again are answered from the journal, without a question or a change.
        var stamp = world.InventoryStamp();
        var asked = false;
        var again = new OperationContext(new RecordingOutput(), (_, _) => asked = true, CancellationToken.None);
        foreach (var entry in repairable)
        {
            try
            {
                if (await world.Engine.RepairOperationAsync(entry.Id, again) is not { State: OperationState.Recovered })
                    report.Violation("repair", $"a second repair of {entry.Id} did not answer Recovered");
            }
            catch (StorageSnapshotException e) when (report.Violations.Count > 0)
            {
                _ = e; // the first repair failed already: reported above
            }
        }
        if (asked) report.Violation("repair", "a second repair of settled entries asked ShouldProcess");
        if (stamp != world.InventoryStamp()) report.Violation("repair", "a second repair of settled entries changed the inventory");
        tally.Count("runs repaired and checked settled");
        return (report, repairable.Count);
    }

    private static string Mode(Operation entry) => entry.Details is RestoreFromCopyDetails d ? $" ({d.Mode})" : "";
}
