using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Drivers.Btrfs;
using StorageSnapshot.Engine.Drivers.Qcow2;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.TestHost;

/// <summary>
/// One engine operation on a backend of a built-in driver (btrfs, qcow2), for the kill -9 fault tests: the engine is
/// opened first, then GO is printed right before the operation starts and DONE when it returned, so that the parent
/// can aim a SIGKILL at a random moment inside it. The drivers are wrapped in <see cref="HookedDriver"/>s that print
/// DRIVER right before the operation's own driver call (CreateSnapshot, RevertVolume, CloneVolume, DeleteSnapshot) and
/// DRIVER-DONE when it returned, so that a kill can also be aimed inside that call.
/// <list type="bullet">
/// <item><c>snapshot &lt;home&gt; &lt;volume id&gt; &lt;name&gt;</c>: New-StorageSnapshot.</item>
/// <item><c>revert &lt;home&gt; &lt;snapshot id&gt;</c>: Restore-StorageSnapshot.</item>
/// <item><c>clone &lt;home&gt; &lt;snapshot id&gt; &lt;new volume&gt;</c>: New-StorageVolume -FromSnapshot.</item>
/// <item><c>delete &lt;home&gt; &lt;snapshot id&gt;</c>: Remove-StorageSnapshot.</item>
/// </list>
/// </summary>
internal static class LocalDriverScenarios
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length < 3)
        {
            Console.Error.WriteLine($"unknown local-driver scenario: {string.Join(' ', args)}");
            return 64;
        }
        var context = OperationContext.Unattended();
        var main = new[] { "CreateSnapshot", "RevertVolume", "CloneVolume", "DeleteSnapshot" };
        var drivers = new DriverRegistry();
        foreach (var inner in new IStorageDriver[] { new BtrfsDriver(), new Qcow2Driver() })
        {
            drivers.Add(new HookedDriver(inner)
            {
                Before = (method, _) => Say(main.Contains(method) ? "DRIVER" : null),
                After = (method, _) => Say(main.Contains(method) ? "DRIVER-DONE" : null),
            });
        }
        await using var engine = await StorageSnapshotEngine.OpenAsync(new EngineOptions { HomeDirectory = args[1], Drivers = drivers }, CancellationToken.None);
        Func<Task> operation = args switch
        {
            ["snapshot", _, var volume, var name] => () => engine.NewSnapshotAsync(new NewSnapshotRequest(new VolumeSelector(Id: volume)) { Name = name }, context),
            ["revert", _, var snapshot] => () => engine.RevertSnapshotAsync(new SnapshotSelector(Id: snapshot), context),
            ["clone", _, var snapshot, var name] => () => engine.CloneVolumeAsync(new CloneVolumeRequest(name, new SnapshotSelector(Id: snapshot)), context),
            ["delete", _, var snapshot] => () => engine.RemoveSnapshotAsync(new SnapshotSelector(Id: snapshot), context),
            _ => () => throw new ArgumentException($"unknown local-driver scenario: {string.Join(' ', args)}"),
        };
        Console.Out.WriteLine("GO");
        await Console.Out.FlushAsync();
        await operation();
        Console.Out.WriteLine("DONE");
        return 0;
    }

    private static Task Say(string? line)
    {
        if (line is not null) Console.Out.WriteLine(line);
        return Task.CompletedTask;
    }
}
