// The StorageSnapshot workflow on the embedded default (a `directory` backend in a temporary folder),
// driven through the same façade the cmdlets use. Each step prints what it did and what PowerShell would show.
// The first half works on primary storage (snapshot, revert, clone); the second backs the snapshots up to
// secondary storage (a repository in the same temporary folder), verifies the copies and restores from one.
// Usage: dotnet run --project examples/StorageSnapshot.Demo [-- --verbose] [--keep]
using System.Security.Cryptography;
using System.Text;
using StorageSnapshot;
using StorageSnapshot.Demo;
using StorageSnapshot.Engine.Facade;

var verbose = args.Contains("--verbose");
var keep = args.Contains("--keep");
var workRoot = Path.Combine(Path.GetTempPath(), "storagesnapshot-demo-" + Environment.ProcessId);
var home = Path.Combine(workRoot, "home");
var backendPath = Path.Combine(workRoot, "lab");
var repositoryPath = Path.Combine(workRoot, "backup-repository");
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

    Step("Write 16 MiB of data and 'version 1' into the volume, then New-StorageSnapshot -Name before-upgrade -Tag @{app='db'}");
    await FillAsync(volume.Location!, offset: 0, length: 16L * 1024 * 1024, seed: 1);
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

    Step("Register-SecondaryStorage -Name backup -Path <temp>/backup-repository (4 MiB chunks, no compression)");
    var storage = await engine.RegisterSecondaryStorageAsync(new RegisterSecondaryStorageRequest("backup", repositoryPath) { CreateDirectory = true }, context);
    Console.WriteLine($"  {storage!.Name} at {storage.Path}: {Mib(storage.ChunkSizeBytes)} chunks, compression {storage.Compression}");

    Step("Copy-SnapshotToSecondary -Destination backup (snapshot before-upgrade: the first copy stores everything)");
    var firstCopy = await engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(SnapshotSelector.Of(snapshot), "backup"), context);
    ShowCopy(firstCopy!);
    Console.WriteLine("  the 48 MiB never written are holes: not read, recorded as zero chunks, stored as nothing");
    Console.WriteLine($"  repository now: {DescribeRepository(repositoryPath)}");

    Step("The upgrade, done right this time: write 'version 2' (4 KiB in the first chunk), New-StorageSnapshot -Name after-upgrade");
    await WriteMarkerAsync(volume.Location!, "version 2");
    var second = await engine.NewSnapshotAsync(new NewSnapshotRequest(VolumeSelector.Of(volume)) { Name = "after-upgrade" }, context);
    Console.WriteLine($"  {second!.Name} [{second.State}] id {second.Id}");

    Step("Copy-SnapshotToSecondary -Destination backup (snapshot after-upgrade: the second copy stores only what changed)");
    var secondCopy = await engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(SnapshotSelector.Of(second), "backup"), context);
    ShowCopy(secondCopy!);
    Console.WriteLine(secondCopy!.BaseCopyId is not null
        ? "  incremental: the driver said which ranges changed; the copy read the chunks touching them plus a sample of\n" +
          "  at least 16 others to check the driver (on a volume this small, all of them) and took the rest from the base"
        : "  this folder's filesystem has no reflinks, so the driver cannot say what changed: the copy read all\n" +
          "  the data again, but stored only the one chunk that differs (on XFS or btrfs it reads only that chunk)");
    Console.WriteLine($"  repository now: {DescribeRepository(repositoryPath)}");

    Step("Get-SnapshotCopy -Destination backup | Format-Table");
    var copies = await engine.GetSnapshotCopiesAsync(new CopyFilter { Destinations = new[] { "backup" } }, context);
    Console.WriteLine("  (Changed: bytes of the chunks that differ from the volume's previous copy; all of them for a first copy)");
    Console.WriteLine($"  {"Snapshot",-15} {"Volume",-7} {"State",-7} {"Size",9} {"Read",9} {"Written",9} {"Changed",9}  Id");
    foreach (var c in copies)
        Console.WriteLine($"  {c.Snapshot,-15} {c.Volume,-7} {c.State,-7} {Mib(c.SizeBytes),9} {Mib(c.BytesRead),9} {Mib(c.BytesWritten),9} {Mib(c.BytesChanged),9}  {c.Id}");

    Step("Test-SnapshotCopy -Source (re-hash every stored chunk, and compare with the snapshot on primary storage)");
    foreach (var c in copies)
    {
        var test = await engine.TestSnapshotCopyAsync(c.Id, compareWithSource: true, context);
        Console.WriteLine($"  {test.Snapshot,-15} Valid={test.Valid}  {test.ChunksChecked} chunks checked, {Mib(test.BytesChecked)} re-hashed, {test.Mismatches.Count} mismatches");
    }

    Step("New-StorageVolume -Name db01-restored -FromCopy <the copy of before-upgrade>");
    var restored = await engine.NewVolumeFromCopyAsync(new NewVolumeFromCopyRequest("db01-restored", firstCopy!.Id), context);
    Console.WriteLine($"  {restored!.Name} at {restored.Location} reads: {await ReadMarkerAsync(restored.Location!)}");
    var same = HashFile(restored.Location!) == HashFile(snapshot.Location!);
    Console.WriteLine(same
        ? $"  byte for byte the same as snapshot before-upgrade (SHA-256 {HashFile(restored.Location!)[..16]}...)"
        : "  DIFFERENT from snapshot before-upgrade");
    if (!same) return 1;

    Step("Get-StorageSnapshot -Tag @{app='db'} | Format-Table");
    var listed = await engine.GetSnapshotsAsync(new SnapshotFilter { Tags = new Dictionary<string, string> { ["app"] = "db" } }, context);
    Console.WriteLine($"  {"Name",-16} {"Volume",-10} {"Backend",-8} {"Created",-20} {"Size",8} {"State",-8}");
    foreach (var s in listed)
        Console.WriteLine($"  {s.Name,-16} {s.Volume,-10} {s.Backend,-8} {s.CreatedUtc.ToLocalTime(),-20:yyyy-MM-dd HH:mm:ss} {s.SizeBytes / 1024 / 1024,5} MiB {s.State,-8}");

    Step("Get-StorageSnapshot -Name no-such-snapshot (an error record, and the script goes on)");
    await engine.GetSnapshotsAsync(new SnapshotFilter { Names = new[] { "no-such-snapshot" } }, context);

    Step("Clean up: Get-SnapshotCopy | Remove-SnapshotCopy; Unregister-SecondaryStorage backup");
    foreach (var c in copies) await engine.RemoveSnapshotCopyAsync(c.Id, context);
    await engine.UnregisterSecondaryStorageAsync("backup", context);
    Console.WriteLine($"  copies removed; their chunks stay for the 24-hour grace period: {DescribeRepository(repositoryPath)}");
    Console.WriteLine("  (unregistering forgets the repository; its files stay until the temporary folder is deleted)");

    Step("Clean up: Remove-StorageVolume db01-test, db01-restored; Remove-StorageVolume db01 -IncludeSnapshots; Unregister-StorageBackend lab");
    await engine.RemoveVolumeAsync(new RemoveVolumeRequest(VolumeSelector.Of(clone)), context);
    await engine.RemoveVolumeAsync(new RemoveVolumeRequest(VolumeSelector.Of(restored)), context);
    await engine.RemoveVolumeAsync(new RemoveVolumeRequest(VolumeSelector.Of(volume), IncludeSnapshots: true), context);
    await engine.UnregisterBackendAsync("lab", context);
    Console.WriteLine("  done");

    Step("The operation journal (no cmdlet shows it yet; the engine's GetOperationsAsync does)");
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

static string Mib(long bytes) => $"{bytes / 1048576.0:0.##} MiB";

static void ShowCopy(SnapshotCopy copy)
{
    Console.WriteLine($"  copy {copy.Id} of {copy.Snapshot} [{copy.State}]" + (copy.BaseCopyId is null ? "" : $", incremental from copy {copy.BaseCopyId}"));
    Console.WriteLine($"  read {Mib(copy.BytesRead)} of the {Mib(copy.SizeBytes)} volume at {copy.BytesPerSecond / 1e6:0} MB/s in {copy.Duration.TotalSeconds:0.00} s; " +
                      $"wrote {Mib(copy.BytesWritten)} to the repository");
}

// What the repository holds: a chunk file per distinct non-zero chunk, a manifest per copy.
static string DescribeRepository(string root)
{
    var chunks = new DirectoryInfo(Path.Combine(root, "chunks")).EnumerateFiles("*", SearchOption.AllDirectories).ToList();
    var manifests = Directory.GetFiles(Path.Combine(root, "manifests")).Length;
    return $"{chunks.Count} chunk files ({Mib(chunks.Sum(f => f.Length))}), {manifests} manifest(s)";
}

static string HashFile(string path)
{
    using var file = File.OpenRead(path);
    return Convert.ToHexString(SHA256.HashData(file)).ToLowerInvariant();
}

// The volume's data: deterministic pseudo-random bytes, incompressible like most real data.
static async Task FillAsync(string path, long offset, long length, int seed)
{
    var random = new Random(seed);
    var block = new byte[1024 * 1024];
    await using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
    file.Position = offset;
    for (long done = 0; done < length; done += block.Length)
    {
        random.NextBytes(block);
        await file.WriteAsync(block.AsMemory(0, (int)Math.Min(block.Length, length - done)));
    }
    await file.FlushAsync();
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
