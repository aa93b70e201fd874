using System.Text.RegularExpressions;
using StorageSnapshot.Engine.Drivers;
using StorageSnapshot.Engine.Operations;
using StorageSnapshot.Engine.Secondary.Repository;
using StorageSnapshot.Engine.Secondary.Restore;
using StorageSnapshot.Engine.Tests.Infrastructure;
using StorageSnapshot.TestHost.Faults;

namespace StorageSnapshot.Engine.Tests.Faults;

/// <summary>Whether processes died during the run being checked.</summary>
internal enum CheckMode
{
    /// <summary>Faults were thrown or hung in this process: every operation must have ended Succeeded or Failed.</summary>
    NothingDied,

    /// <summary>A process was killed: what it left unfinished must be recorded NeedsRecovery (the engine was reopened).</summary>
    ProcessesDied,

    /// <summary>
    /// Every repairable entry was repaired: nothing is NeedsRecovery, no object is in a passing state (Creating,
    /// Reverting, Deleting, Copying), and no repaired in-place restore left its safety snapshot.
    /// </summary>
    Repaired,
}

/// <summary>
/// The invariants every run of the fault suite must leave true, checked against the inventory, the files and the
/// test's <see cref="ContentModel"/>. Each broken one is returned as a sentence starting with its category:
/// <list type="bullet">
/// <item><b>visible</b>: nothing Ready, Available or Copied is incomplete — its image or manifest exists, at its
/// Location, with exactly the bytes the model expects (a copy is restored and hashed);</item>
/// <item><b>bytes</b>: every image that exists holds the old or the new contents, never a mix — except where an
/// unfinished restore's journal entry says the volume is being overwritten (and then its safety snapshot must hold
/// the old bytes);</item>
/// <item><b>journal</b>: no entry is left Running; after a kill, what was unfinished is NeedsRecovery with its event,
/// and every object in a passing state (Creating, Reverting, Deleting, Copying) is named by such an entry; when
/// nothing died, nothing is unfinished at all;</item>
/// <item><b>unknown file</b>: every file in the backend, the repository and the home folder is one the inventory
/// or the journal knows (a temporary file only when an unfinished operation explains it; chunks must hash to their
/// names);</item>
/// <item><b>leftover</b>: a failure whose cleanup succeeded left nothing of its own on the storage;</item>
/// <item><b>outside</b>: see <see cref="OutsideGuard"/>.</item>
/// </list>
/// </summary>
internal static partial class InvariantChecker
{
    public static async Task<CheckReport> CheckAsync(FaultWorld world, InventoryState state, CheckMode mode)
    {
        var report = new CheckReport();
        CheckJournal(state, mode, report);
        CheckVolumes(world, state, report);
        CheckSnapshots(world, state, report);
        CheckLeftovers(world, state, report);
        CheckBackendFiles(world, state, report);
        CheckHomeFiles(world, report);
        await CheckRepositoryAsync(world, state, report);
        foreach (var problem in world.Outside.Check()) report.Violation("outside", problem);
        return report;
    }

    private static void CheckJournal(InventoryState state, CheckMode mode, CheckReport report)
    {
        foreach (var entry in state.Operations.Where(o => o.State == OperationState.Running))
            report.Violation("journal", $"operation {Describe(entry)} is still Running after every process ended");
        foreach (var entry in state.Operations.Where(o => o.State == OperationState.NeedsRecovery))
        {
            report.NeedsRecovery++;
            if (mode == CheckMode.NothingDied)
                report.Violation("journal", $"operation {Describe(entry)} is NeedsRecovery although no process died");
            if (!state.Events.Any(e => e.Kind == EventKind.OperationNeedsRecovery && e.OperationId == entry.Id))
                report.Violation("journal", $"operation {Describe(entry)} is NeedsRecovery without an operation.needs-recovery event");
        }

        if (mode == CheckMode.Repaired) CheckSettled(state, report);
        var unfinished = state.Unfinished.ToList();
        foreach (var volume in state.Volumes.Where(v => v.State is VolumeState.Creating or VolumeState.Reverting or VolumeState.Deleting))
        {
            if (!unfinished.Any(o => o.TargetId == volume.Id || (o.Kind == OperationKind.RevertSnapshot && o.Bag().GetValueOrDefault("volumeId") == volume.Id)))
                report.Violation("journal", $"volume '{volume.Name}' is {volume.State} but no unfinished operation records it");
            else report.Stuck++;
        }
        foreach (var snapshot in state.Snapshots.Where(s => s.State is SnapshotState.Creating or SnapshotState.Reverting or SnapshotState.Deleting))
        {
            if (!unfinished.Any(o => o.TargetId == snapshot.Id))
                report.Violation("journal", $"snapshot '{snapshot.Name}' ({snapshot.Id}) is {snapshot.State} but no unfinished operation records it");
            else report.Stuck++;
        }
        foreach (var copy in state.Copies.Where(c => c.State == CopyState.Copying))
        {
            if (!unfinished.Any(o => o.TargetId == copy.Id))
                report.Violation("journal", $"copy {copy.Id} is Copying but no unfinished operation records it");
        }
        // A removal killed, or failed where the repository could not say whether the manifest is gone, leaves the
        // record Removing under its DeleteCopy entry (NeedsRecovery or Failed); running the removal again settles it
        // (RemovingCopies.SettleAsync checks that).
        foreach (var copy in state.Copies.Where(c => c.State == CopyState.Removing))
        {
            if (!state.Operations.Any(o => o.Kind == OperationKind.DeleteCopy && o.State != OperationState.Succeeded && o.Bag().GetValueOrDefault("copyId") == copy.Id))
                report.Violation("journal", $"copy {copy.Id} is Removing but no unfinished or failed removal records it");
            report.CopiesLeftRemoving++;
        }
    }

    /// <summary>After a repair: every entry it settled is Recovered, and every object any entry touched is settled.</summary>
    private static void CheckSettled(InventoryState state, CheckReport report)
    {
        foreach (var entry in state.Operations.Where(o => o.State == OperationState.NeedsRecovery))
            report.Violation("repair", $"operation {Describe(entry)} is still NeedsRecovery after a repair");
        foreach (var entry in state.Operations.Where(o => o.State == OperationState.Recovered && (o.Recovery is null || string.IsNullOrEmpty(o.RecoveryNote))))
            report.Violation("repair", $"operation {Describe(entry)} is Recovered without saying which way and what was done");
        foreach (var entry in state.Operations.Where(o => o.State == OperationState.Recovered))
        {
            if (!state.Events.Any(e => e.Kind == EventKind.OperationRecovered && e.OperationId == entry.Id))
                report.Violation("repair", $"operation {Describe(entry)} is Recovered without an OperationRecovered event");
        }
        foreach (var volume in state.Volumes.Where(v => v.State is VolumeState.Creating or VolumeState.Reverting or VolumeState.Deleting))
            report.Violation("repair", $"volume '{volume.Name}' is still {volume.State} after a repair");
        foreach (var snapshot in state.Snapshots.Where(s => s.State is SnapshotState.Creating or SnapshotState.Reverting or SnapshotState.Deleting))
            report.Violation("repair", $"snapshot '{snapshot.Name}' ({snapshot.Id}) is still {snapshot.State} after a repair");
        foreach (var copy in state.Copies.Where(c => c.State == CopyState.Copying))
            report.Violation("repair", $"copy {copy.Id} is still Copying after a repair");
    }

    private static void CheckVolumes(FaultWorld world, InventoryState state, CheckReport report)
    {
        foreach (var volume in state.Volumes)
        {
            var what = $"volume '{volume.Name}' ({volume.State})";
            var expected = world.Model.Volume(volume.Id);
            var image = VolumeImage(world, volume.Name);
            if (volume.Location is not null && volume.Location != image)
                report.Violation("visible", $"{what}: Location '{volume.Location}' is not where its data is ('{image}')");
            if (expected is null)
            {
                report.Violation("visible", $"{what}: the model knows nothing of volume {volume.Id}");
                continue;
            }
            var present = File.Exists(image);
            var hash = present ? ImageHash.OfFile(image) : null;
            if (volume.State == VolumeState.Available)
            {
                if (!expected.IsExact) report.Violation("visible", $"{what} is Available but its contents are in doubt ({expected})");
                else if (!present) report.Violation("visible", $"{what} is Available but its image is missing");
                else if (hash != expected.Single) report.Violation("visible", $"{what} is Available but holds {hash![..12]}, not {expected.Single[..12]}");
                continue;
            }
            if (!present && !expected.MayBeAbsent) report.Violation("bytes", $"{what} has lost its image (expected {expected})");
            if (present && !expected.Any && !expected.Hashes.Contains(hash!))
                report.Violation("bytes", $"{what} holds {hash![..12]}: neither the old nor the new image ({expected})");
        }
    }

    private static void CheckSnapshots(FaultWorld world, InventoryState state, CheckReport report)
    {
        foreach (var snapshot in state.Snapshots)
        {
            var what = $"snapshot '{snapshot.Name}' of '{snapshot.Volume}' ({snapshot.State})";
            var image = SnapshotImage(world, snapshot.Volume, snapshot.Id);
            var expected = world.Model.Snapshot(snapshot.Id);
            var present = File.Exists(image);
            if (snapshot.State == SnapshotState.Ready)
            {
                if (snapshot.Location != image) report.Violation("visible", $"{what}: Location '{snapshot.Location}' is not '{image}'");
                if (!present) report.Violation("visible", $"{what} is Ready but its image is missing");
                else if (ImageHash.OfFile(image) != expected) report.Violation("visible", $"{what} is Ready but its image is not the volume as it was snapshotted");
            }
            else if (present && ImageHash.OfFile(image) != expected)
            {
                report.Violation("bytes", $"{what}: its image exists but is not the volume as it was snapshotted");
            }
        }

        // Safety snapshots of in-place restores: the old bytes, wherever one exists; and one an unfinished restore
        // had started to write over the volume after must exist, since a repair reverts to it.
        foreach (var entry in state.Operations.Where(o => o.Kind == OperationKind.RestoreFromCopy && o.Bag().ContainsKey("safetySnapshotKey")))
        {
            var key = entry.Bag()["safetySnapshotKey"];
            var image = SnapshotImage(world, entry.Volume ?? "", key);
            var needed = entry.State == OperationState.NeedsRecovery && entry.Bag().ContainsKey("safetySnapshotReference")
                         && !entry.Bag().ContainsKey("dataRestored") && !entry.Bag().ContainsKey("revertedToSafetySnapshot");
            if (!File.Exists(image))
            {
                if (needed) report.Violation("bytes", $"restore {Describe(entry)} was overwriting the volume, but its safety snapshot {key} is gone");
                continue;
            }
            if (ImageHash.OfFile(image) != world.Model.SafetySnapshot(key))
                report.Violation("bytes", $"the safety snapshot {key} of restore {Describe(entry)} does not hold the volume as it was before");
        }
    }

    private static void CheckLeftovers(FaultWorld world, InventoryState state, CheckReport report)
    {
        foreach (var entry in state.Operations.Where(o => o.State == OperationState.Failed && !(o.Error ?? "").Contains("Cleanup also failed", StringComparison.Ordinal)))
        {
            string? left = entry.Kind switch
            {
                OperationKind.CreateVolume or OperationKind.CloneVolume when state.Volume(entry.TargetId!) is { State: VolumeState.Error } v => VolumeImage(world, v.Name),
                OperationKind.RestoreFromCopy when entry.Bag().GetValueOrDefault("mode") == "NewVolume" && entry.Bag().TryGetValue("volumeName", out var name) => VolumeImage(world, name),
                OperationKind.CreateSnapshot when state.Snapshots.FirstOrDefault(s => s.Id == entry.TargetId) is { State: SnapshotState.Error } s => SnapshotImage(world, s.Volume, s.Id),
                _ => null,
            };
            // A volume of that name made by a later, successful operation is not a leftover.
            if (left is not null && File.Exists(left) && !state.Volumes.Any(v => v.State == VolumeState.Available && VolumeImage(world, v.Name) == left))
                report.Violation("leftover", $"{Describe(entry)} failed and its cleanup reported success, but '{Relative(world, left)}' is still on the storage");
        }

        // A safety snapshot an ended in-place restore could not delete is a warning, and must be journaled as left.
        foreach (var entry in state.Operations.Where(o => o.Kind == OperationKind.RestoreFromCopy && o.State == OperationState.Recovered && o.Bag().ContainsKey("safetySnapshotKey")))
        {
            var image = SnapshotImage(world, entry.Volume ?? "", entry.Bag()["safetySnapshotKey"]);
            if (File.Exists(image)) report.Violation("leftover", $"{Describe(entry)} was repaired but its safety snapshot '{Relative(world, image)}' is still on the storage");
        }
        foreach (var entry in state.Operations.Where(o => o.Kind == OperationKind.RestoreFromCopy && o.State is OperationState.Succeeded or OperationState.Failed))
        {
            if (!entry.Bag().TryGetValue("safetySnapshotKey", out var key) || entry.Bag().GetValueOrDefault("safetySnapshotLeft") == "true") continue;
            if ((entry.Error ?? "").Contains("Cleanup also failed", StringComparison.Ordinal)) continue; // kept on purpose, for the repair
            var image = SnapshotImage(world, entry.Volume ?? "", key);
            if (File.Exists(image)) report.Violation("leftover", $"{Describe(entry)} left its safety snapshot '{Relative(world, image)}' without journaling so");
        }
    }

    private static void CheckBackendFiles(FaultWorld world, InventoryState state, CheckReport report)
    {
        var unfinished = state.Unfinished.ToList();
        foreach (var path in Directory.EnumerateFileSystemEntries(world.BackendPath, "*", SearchOption.AllDirectories))
        {
            var relative = Relative(world, path, world.BackendPath);
            var parts = relative.Split('/');
            if (Directory.Exists(path))
            {
                if (!(parts is ["volumes"] or ["snapshots"] or ["snapshots", _])) report.Violation("unknown file", $"backend/{relative}/ is not a folder of the directory driver");
                continue;
            }
            var known = parts switch
            {
                ["volumes", var file] when file.EndsWith(".img", StringComparison.Ordinal) && !file.StartsWith('.') =>
                    state.Volumes.Any(v => v.Name == file[..^4]),
                ["volumes", var file] when DriverTemporary().Match(file) is { Success: true } m =>
                    unfinished.Any(o => o.Volume == m.Groups[1].Value || o.Bag().GetValueOrDefault("volumeName") == m.Groups[1].Value),
                ["snapshots", var volume, var file] when file.EndsWith(".img", StringComparison.Ordinal) && !file.StartsWith('.') =>
                    state.Snapshots.Any(s => s.Id == file[..^4] && s.Volume == volume)
                    || state.Operations.Any(o => o.Kind == OperationKind.RestoreFromCopy && o.Volume == volume && o.Bag().GetValueOrDefault("safetySnapshotKey") == file[..^4]),
                ["snapshots", _, var file] when DriverTemporary().Match(file) is { Success: true } m =>
                    unfinished.Any(o => o.TargetId == m.Groups[1].Value || o.Bag().Values.Contains(m.Groups[1].Value)),
                _ => false,
            };
            if (!known) report.Violation("unknown file", $"backend/{relative} is known to neither the inventory nor the journal");
        }
    }

    /// <summary>
    /// The home folder is not storage, but nothing else may appear there: the inventory's files and volume locks.
    /// Lock files are never deleted (see VolumeLock) and an operation refused before its journal entry (a backend
    /// session that would not open) leaves one for a name no record keeps, so locks are checked by their shape.
    /// </summary>
    private static void CheckHomeFiles(FaultWorld world, CheckReport report)
    {
        foreach (var path in Directory.EnumerateFileSystemEntries(world.Home, "*", SearchOption.AllDirectories))
        {
            var relative = Relative(world, path, world.Home);
            var known = relative is "inventory.db" or "inventory.db-wal" or "inventory.db-shm" or "locks"
                        || (relative.StartsWith("locks/", StringComparison.Ordinal) && VolumeLockFile().IsMatch(relative["locks/".Length..]));
            if (!known) report.Violation("unknown file", $"home/{relative} is neither the inventory nor a volume lock");
        }
    }

    private static async Task CheckRepositoryAsync(FaultWorld world, InventoryState state, CheckReport report)
    {
        await using var store = await world.OpenRepositoryAsync();
        var dyingCopy = state.Unfinished.Any(o => o.Kind == OperationKind.CopyToSecondary);
        var snapshotIds = state.Snapshots.Select(s => s.Id)
            .Concat(state.Copies.Select(c => c.SnapshotId))
            .Concat(state.Operations.Select(o => o.Bag().GetValueOrDefault("snapshotId")).OfType<string>())
            .ToHashSet(StringComparer.Ordinal);
        var chunks = new HashSet<string>(StringComparer.Ordinal);
        var buffer = new byte[FaultWorld.ChunkSize + 1];
        foreach (var path in Directory.EnumerateFileSystemEntries(world.RepositoryPath, "*", SearchOption.AllDirectories))
        {
            var relative = Relative(world, path, world.RepositoryPath);
            var parts = relative.Split('/');
            if (Directory.Exists(path))
            {
                if (!(parts is ["chunks"] or ["manifests"] or ["tmp"] or ["locks"] || (parts is ["chunks", var fan] && HexPair().IsMatch(fan))))
                    report.Violation("unknown file", $"repo/{relative}/ is not a folder of the repository");
                continue;
            }
            switch (parts)
            {
                case ["repository.json"]:
                case ["locks", "repository.lock"]:
                    break;
                case ["locks", var file] when file.StartsWith("copy-", StringComparison.Ordinal) && file.EndsWith(".lock", StringComparison.Ordinal):
                    if (!snapshotIds.Contains(file[5..^5])) report.Violation("unknown file", $"repo/{relative} locks a snapshot nobody knows");
                    break;
                case ["chunks", var fan, var digest]:
                    if (!ChunkDigest.IsValid(digest) || digest[..2] != fan)
                    {
                        report.Violation("unknown file", $"repo/{relative} is not named as a chunk");
                        break;
                    }
                    chunks.Add(digest);
                    try
                    {
                        var length = await store.ReadChunkAsync(digest, buffer, CancellationToken.None);
                        if (ChunkDigest.Of(buffer.AsSpan(0, length)) != digest) report.Violation("visible", $"chunk {digest[..12]} does not hash to its name");
                    }
                    catch (Exception e) when (e is IOException or StorageSnapshotException)
                    {
                        report.Violation("visible", $"chunk {digest[..12]} cannot be read: {e.Message}");
                    }
                    break;
                case ["manifests", var file] when file.EndsWith(".manifest", StringComparison.Ordinal):
                    if (!state.Copies.Any(c => c.Id == file[..^9])) report.Violation("unknown file", $"repo/{relative} is the manifest of no recorded copy");
                    break;
                case ["tmp", _]:
                    if (!RepositoryOwnFiles.IsTemporaryFile(relative)) report.Violation("unknown file", $"repo/{relative} is not a temporary file of the repository");
                    else if (!dyingCopy && !LeftByRepairedCopy(state, relative))
                        report.Violation("unknown file", $"repo/{relative} is a temporary file no unfinished copy explains");
                    break;
                default:
                    report.Violation("unknown file", $"repo/{relative} is known to neither the inventory nor the journal");
                    break;
            }
        }

        var referenced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var copy in state.Copies)
        {
            var manifestPath = Path.Combine(world.RepositoryPath, "manifests", copy.Id + ".manifest");
            if (!File.Exists(manifestPath))
            {
                if (copy.State == CopyState.Copied) report.Violation("visible", $"copy {copy.Id} is Copied but its manifest is missing");
                continue;
            }
            var expected = world.Model.Snapshot(copy.SnapshotId);
            try
            {
                var manifest = await store.ReadManifestAsync(copy.Id, CancellationToken.None);
                var digests = new List<string>();
                await foreach (var run in store.ReadChunkListAsync(copy.Id, CancellationToken.None))
                {
                    if (run.Digest is { } digest) digests.Add(digest);
                }
                referenced.UnionWith(digests);
                if (manifest.Source.SnapshotId != copy.SnapshotId) report.Violation("visible", $"copy {copy.Id}'s manifest is of snapshot {manifest.Source.SnapshotId}, not {copy.SnapshotId}");
                var hash = await RestoredHashAsync(world, store, manifest, digests, manifestPath);
                if (hash != expected) report.Violation("visible", $"copy {copy.Id} ({copy.State}) does not restore to its snapshot's bytes");
            }
            catch (StorageSnapshotException e)
            {
                report.Violation("visible", $"copy {copy.Id} ({copy.State}) cannot be restored: {e.ErrorId} {e.Message}");
            }
        }
        report.UnreferencedChunks += chunks.Count(c => !referenced.Contains(c));
    }

    /// <summary>
    /// The SHA-256 of the image a committed manifest restores to: restored into memory through the real restorer
    /// once per manifest; afterwards only re-checked for its chunks being present (each chunk file's content is
    /// checked against its name on every pass anyway).
    /// </summary>
    private static async Task<string?> RestoredHashAsync(FaultWorld world, IChunkStore store, CopyManifest manifest, IReadOnlyList<string> digests, string manifestPath)
    {
        var key = ImageHash.Of(await File.ReadAllBytesAsync(manifestPath));
        if (world.RestoredImages.TryGetValue(key, out var known))
        {
            return digests.All(d => File.Exists(Path.Combine(world.RepositoryPath, "chunks", d[..2], d))) ? known : null;
        }
        var target = new MemoryBlockWriter(manifest.TotalBytes);
        await new CopyRestorer(store).RestoreAsync(manifest, target, targetReadsAsZeros: false, new RecordingOutput(), CancellationToken.None);
        var hash = ImageHash.Of(target.Bytes);
        world.RestoredImages[key] = hash;
        return hash;
    }

    public static string VolumeImage(FaultWorld world, string name) => Path.Combine(world.BackendPath, "volumes", name + ".img");

    public static string SnapshotImage(FaultWorld world, string volume, string key) => Path.Combine(world.BackendPath, "snapshots", volume, key + ".img");

    /// <summary>
    /// A repaired copy leaves what its dead process staged in the repository's tmp/ to chunk collection (after its
    /// grace period; the kill loop collects with none and then requires tmp/ empty): a staged chunk list names the
    /// copy, a staged chunk or manifest names nothing, so one is excused while any repaired copy's entry is in the journal.
    /// </summary>
    private static bool LeftByRepairedCopy(InventoryState state, string relative)
    {
        var repaired = state.Operations.Where(o => o.Kind == OperationKind.CopyToSecondary && o.State == OperationState.Recovered).ToList();
        if (repaired.Count == 0) return false;
        return relative.EndsWith(".chunk", StringComparison.Ordinal) || relative.EndsWith(".manifest", StringComparison.Ordinal) || repaired.Any(o => o.TargetId is { } id && relative.Contains(id, StringComparison.Ordinal));
    }

    private static string Relative(FaultWorld world, string path, string? under = null) => Path.GetRelativePath(under ?? world.Root, path).Replace('\\', '/');

    private static string Describe(Operation entry) => $"{entry.Id} ({entry.Kind} of {entry.TargetKind.ToString().ToLowerInvariant()} {entry.TargetId}, {entry.State})";

    /// <summary>The directory driver's work in progress: ".&lt;file&gt;.img.&lt;32 hex&gt;.tmp"; group 1 is the volume name or snapshot key.</summary>
    [GeneratedRegex(@"\A\.(.+)\.img\.[0-9a-f]{32}\.tmp\z")]
    private static partial Regex DriverTemporary();

    [GeneratedRegex(@"\Avolume-[a-z0-9_-]{1,80}-[0-9a-f]{16}\.lock\z")]
    private static partial Regex VolumeLockFile();

    [GeneratedRegex(@"\A[0-9a-f]{2}\z")]
    private static partial Regex HexPair();
}

/// <summary>What one check found: violations in words, plus figures for the suite's report.</summary>
internal sealed class CheckReport
{
    public List<string> Violations { get; } = new();
    public int NeedsRecovery { get; set; }
    public int Stuck { get; set; }
    public int CopiesLeftRemoving { get; set; }
    public int UnreferencedChunks { get; set; }

    public void Violation(string category, string message) => Violations.Add($"[{category}] {message}");
}

/// <summary>A volume in memory, to restore a copy into and hash it.</summary>
internal sealed class MemoryBlockWriter : IBlockWriter
{
    public MemoryBlockWriter(long length)
    {
        Bytes = new byte[length];
    }

    public byte[] Bytes { get; }

    public long Length => Bytes.LongLength;

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        data.Span.CopyTo(Bytes.AsSpan((int)offset));
        return ValueTask.CompletedTask;
    }

    public ValueTask ZeroAsync(long offset, long length, CancellationToken cancellationToken)
    {
        Bytes.AsSpan((int)offset, (int)length).Clear();
        return ValueTask.CompletedTask;
    }

    public Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
