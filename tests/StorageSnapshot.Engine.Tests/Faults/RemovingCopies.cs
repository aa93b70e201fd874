using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Tests.Infrastructure;

namespace StorageSnapshot.Engine.Tests.Faults;

/// <summary>
/// A removal that was killed (its DeleteCopy entry NeedsRecovery), or that failed where the repository could not say
/// whether the manifest is gone, leaves the copy Removing. What settles it, until a repair command exists, is the user
/// running the removal again; the suite does exactly that after every run that left one, and records a violation if
/// it does not succeed.
/// </summary>
internal static class RemovingCopies
{
    public static async Task<int> SettleAsync(FaultWorld world, CheckReport report)
    {
        var settled = 0;
        foreach (var copy in (await world.ReadStateAsync()).Copies.Where(c => c.State == CopyState.Removing))
        {
            try
            {
                await world.Engine.RemoveSnapshotCopyAsync(copy.Id, new OperationContext(new RecordingOutput(), static (_, _) => true, CancellationToken.None), TimeSpan.Zero);
                if (await world.Engine.Inventory.GetCopyAsync(copy.Id, CancellationToken.None) is not null)
                    report.Violation("journal", $"copy {copy.Id} left Removing is still recorded after running the removal again");
                settled++;
            }
            catch (StorageSnapshotException e)
            {
                report.Violation("journal", $"copy {copy.Id} left Removing could not be removed by running the removal again: {e.ErrorId} {e.Message}");
            }
        }
        return settled;
    }
}
