// The StorageSnapshot workflow on the embedded default (a `directory` backend in a temporary folder),
// driven through the same façade the cmdlets use. Each step prints what it did and what PowerShell would show.
// Usage: dotnet run --project examples/StorageSnapshot.Demo [-- --verbose] [--keep]
using System.Text;
using StorageSnapshot;
using StorageSnapshot.Demo;
using StorageSnapshot.Engine.Facade;

var verbose = args.Contains("--verbose");
var keep = args.Contains("--keep");
var workRoot = Path.Combine(Path.GetTempPath(), "storagesnapshot-demo-" + Environment.ProcessId);
var home = Path.Combine(workRoot, "home");
var backendPath = Path.Combine(workRoot, "lab");
Directory.CreateDirectory(backendPath);

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
var context = new OperationContext(new ConsoleOutput(verbose), (target, action) =>
{
    Console.WriteLine($"  Confirm: Performing the operation \"{action}\" on target \"{target}\".");
    return true;
}, cancel.Token);

void Step(string text) => Console.WriteLine($"{Environment.NewLine}== {text}");

try
{
    await using var engine = await StorageSnapshotEngine.OpenAsync(new EngineOptions { HomeDirectory = home }, cancel.Token);
    Console.WriteLine($"Inventory: {engine.Options.InventoryPath}");

    Step("Get-StorageDriver");
    foreach (var driver in engine.GetDrivers(null, context))
        Console.WriteLine($"  {driver.Name,-10} {driver.Capabilities}");

    Step($"Register-StorageBackend -Name lab -Driver directory -Property @{{ Path = '{backendPath}' }}");
    var backend = await engine.RegisterBackendAsync(
        new RegisterBackendRequest("lab", "directory", new Dictionary<string, object?> { ["Path"] = backendPath }), context);
    Console.WriteLine($"  registered {backend!.Name} ({backend.Driver})");

    Step("New-StorageVolume -Backend lab -Name db01 -SizeBytes 64MB");
    var volume = await engine.NewVolumeAsync(new NewVolumeRequest("lab", "db01", 64L * 1024 * 1024), context);
    Console.WriteLine($"  {volume!.Name}: {volume.SizeBytes / 1024 / 1024} MiB at {volume.Location}");

    Step("Write 'version 1' into the volume, then New-StorageSnapshot -Name before-upgrade -Tag @{app='db'}");
    await WriteMarkerAsync(volume.Location!, "version 1");
    var snapshot = await engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(volume))
    {
        Name = "before-upgrade",
        Description = "taken by the demo",
        Tags = new Dictionary<string, string> { ["app"] = "db" },
    }, context);
    Console.WriteLine($"  {snapshot!.Name} [{snapshot.State}] id {snapshot.Id}");
    Console.WriteLine($"  at {snapshot.Location} ({string.Join(", ", snapshot.Details.Select(d => $"{d.Key}={d.Value}"))})");

    Step("Change the volume: write 'version 2 (broken upgrade)'");
    await WriteMarkerAsync(volume.Location!, "version 2 (broken upgrade)");
    Console.WriteLine($"  volume now reads: {await ReadMarkerAsync(volume.Location!)}");

    Step("Restore-StorageSnapshot -WhatIf (what would be lost)");
    var plan = await engine.PlanRevertAsync(SnapshotSelector.Of(snapshot), cancel.Token);
    Console.WriteLine($"  What if: {plan.Description}");

    Step("Restore-StorageSnapshot");
    await engine.RevertSnapshotAsync(SnapshotSelector.Of(snapshot), context);
    Console.WriteLine($"  volume reads again: {await ReadMarkerAsync(volume.Location!)}");

    Step("New-StorageVolume -Name db01-test -FromSnapshot before-upgrade (clone)");
    var clone = await engine.CloneVolumeAsync(new CloneVolumeRequest("db01-test", SnapshotSelector.Of(snapshot)), context);
    Console.WriteLine($"  {clone!.Name} at {clone.Location} reads: {await ReadMarkerAsync(clone.Location!)}");

    Step("Get-StorageSnapshot -Tag @{app='db'} | Format-Table");
    var listed = await engine.GetSnapshotsAsync(new SnapshotFilter { Tags = new Dictionary<string, string> { ["app"] = "db" } }, context);
    Console.WriteLine($"  {"Name",-16} {"Volume",-10} {"Backend",-8} {"Created",-20} {"Size",8} {"State",-8}");
    foreach (var s in listed)
        Console.WriteLine($"  {s.Name,-16} {s.Volume,-10} {s.Backend,-8} {s.CreatedUtc.ToLocalTime(),-20:yyyy-MM-dd HH:mm:ss} {s.SizeBytes / 1024 / 1024,5} MiB {s.State,-8}");

    Step("Get-StorageSnapshot -Name no-such-snapshot (an error record, and the script goes on)");
    await engine.GetSnapshotsAsync(new SnapshotFilter { Names = new[] { "no-such-snapshot" } }, context);

    Step("Clean up: Remove-StorageVolume db01-test; Remove-StorageVolume db01 -IncludeSnapshots; Unregister-StorageBackend lab");
    await engine.RemoveVolumeAsync(new RemoveVolumeRequest(VolumeSelector.Of(clone)), context);
    await engine.RemoveVolumeAsync(new RemoveVolumeRequest(VolumeSelector.Of(volume), IncludeSnapshots: true), context);
    await engine.UnregisterBackendAsync("lab", context);
    Console.WriteLine("  done");

    Step("The journal (Get-StorageOperation)");
    foreach (var op in await engine.GetOperationsAsync(null, context))
        Console.WriteLine($"  {op.StartedUtc.ToLocalTime():HH:mm:ss.fff} {op.Kind,-15} {op.State,-10} {op.Volume}");
    return 0;
}
catch (StorageSnapshotException error)
{
    Console.Error.WriteLine($"FAILED [{error.ErrorId}]: {error.Message}");
    return 1;
}
finally
{
    if (keep) Console.WriteLine($"{Environment.NewLine}Kept {workRoot}");
    else Directory.Delete(workRoot, recursive: true);
}

// The volume is a raw image file: write a marker at offset 0 the way a VM would write its disk.
static async Task WriteMarkerAsync(string path, string text)
{
    await using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
    var bytes = new byte[4096];
    Encoding.UTF8.GetBytes(text).CopyTo(bytes, 0);
    await file.WriteAsync(bytes);
    await file.FlushAsync();
}

static async Task<string> ReadMarkerAsync(string path)
{
    var bytes = new byte[4096];
    await using var file = new FileStream(path, FileMode.Open, FileAccess.Read);
    await file.ReadExactlyAsync(bytes);
    return Encoding.UTF8.GetString(bytes).TrimEnd('\0');
}
