using StorageSnapshot.TestHost.Faults;

namespace StorageSnapshot.Engine.Tests.Faults;

/// <summary>One operation kind of the call-site suite: how to set a world up for it, and the operation.</summary>
internal sealed record FaultCase(string Name, Func<FaultWorld, Task<FaultOperation>> SetUpAsync)
{
    public override string ToString() => Name;
}

/// <summary>
/// Every operation kind the fault suite strikes, each from a small world: volume "v" of four 64 KiB chunks with
/// data in chunks 0, 1 and 3 and a hole at 2, and its snapshot "s1"; the copy cases add a copy of s1, the
/// in-place ones new data in v first, so that each operation really changes bytes (and restores write, zero and
/// flush).
/// </summary>
internal static class FaultCases
{
    public static IReadOnlyList<FaultCase> All { get; } = new FaultCase[]
    {
        new("create volume", _ => Task.FromResult(Op(FaultOperationKind.CreateVolume) with { Volume = "nv", SizeBytes = FaultWorld.VolumeSize })),
        new("snapshot", async world =>
        {
            await BaseAsync(world);
            await world.WriteAsync("v", 2, new[] { 2 });
            return Op(FaultOperationKind.CreateSnapshot) with { Volume = "v", NewName = "s2" };
        }),
        new("revert", async world =>
        {
            var s1 = await BaseAsync(world);
            await world.WriteAsync("v", 3, new[] { 1, 2 });
            return Op(FaultOperationKind.Revert) with { Snapshot = s1.Id };
        }),
        new("clone", async world => Op(FaultOperationKind.Clone) with { Snapshot = (await BaseAsync(world)).Id, NewName = "cl" }),
        new("delete snapshot", async world => Op(FaultOperationKind.DeleteSnapshot) with { Snapshot = (await BaseAsync(world)).Id }),
        new("delete volume with its snapshot", async world =>
        {
            await BaseAsync(world);
            return Op(FaultOperationKind.DeleteVolume) with { Volume = "v", IncludeSnapshots = true };
        }),
        new("copy", async world => Op(FaultOperationKind.Copy) with { Snapshot = (await BaseAsync(world)).Id }),
        new("incremental copy", async world =>
        {
            await world.CopyAsync((await BaseAsync(world)).Id);
            await world.WriteAsync("v", 4, new[] { 1 });
            var s2 = await world.SnapshotAsync("v", "s2");
            return Op(FaultOperationKind.Copy) with { Snapshot = s2.Id };
        }),
        new("restore in place", async world =>
        {
            var copy = await world.CopyAsync((await BaseAsync(world)).Id);
            await world.WriteAsync("v", 5, new[] { 1, 2 });
            return Op(FaultOperationKind.RestoreInPlace) with { Copy = copy.Id };
        }),
        new("restore into a new volume", async world =>
            Op(FaultOperationKind.RestoreNewVolume) with { Copy = (await world.CopyAsync((await BaseAsync(world)).Id)).Id, NewName = "rv" }),
        new("remove copy", async world =>
            Op(FaultOperationKind.RemoveCopy) with { Copy = (await world.CopyAsync((await BaseAsync(world)).Id)).Id }),
    };

    private static FaultOperation Op(FaultOperationKind kind) => new() { Kind = kind };

    private static async Task<Snapshot> BaseAsync(FaultWorld world)
    {
        await world.NewVolumeAsync("v");
        await world.WriteAsync("v", 1, new[] { 0, 1, 3 });
        return await world.SnapshotAsync("v", "s1");
    }
}
