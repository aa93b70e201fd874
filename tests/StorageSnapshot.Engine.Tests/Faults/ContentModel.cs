using System.Security.Cryptography;

namespace StorageSnapshot.Engine.Tests.Faults;

/// <summary>What a volume's image file may hold.</summary>
/// <param name="Hashes">The SHA-256 values (hex) it may have: one for a settled volume, old and new while a revert is in doubt.</param>
/// <param name="Any">Its bytes may be anything (a restore killed half-way: the journal entry says so and a repair decides).</param>
/// <param name="MayBeAbsent">The file may be missing (a create that may not have reached the driver, a delete that may have).</param>
internal sealed record VolumeExpectation(IReadOnlySet<string> Hashes, bool Any = false, bool MayBeAbsent = false)
{
    public static VolumeExpectation Exactly(string hash) => new(new HashSet<string> { hash });

    /// <summary>Settled: Available volumes must have exactly this.</summary>
    public bool IsExact => !Any && !MayBeAbsent && Hashes.Count == 1;

    public string Single => IsExact ? Hashes.First() : throw new InvalidOperationException($"The volume's contents are not settled: {this}");

    public override string ToString() => Any ? "any bytes" : $"{string.Join(" or ", Hashes.Select(h => h[..12]))}{(MayBeAbsent ? " or absent" : "")}";
}

/// <summary>
/// The test's own account of what every object must contain, independent of the engine: the image hash of each
/// volume (by id), of each snapshot (by id: a snapshot is immutable, so its hash is kept after it is deleted,
/// for the copies made of it) and of each safety snapshot an in-place restore named in the journal. It is moved
/// on by the test's own writes and by <see cref="Apply"/>, which reads each new journal entry: a Succeeded entry
/// settles the new contents, a Failed one keeps the old (or, when cleanup failed, gives up on the bytes), and an
/// unfinished one (NeedsRecovery) accepts the old or the new as the operation's atomicity allows.
/// </summary>
internal sealed class ContentModel
{
    private readonly Dictionary<string, VolumeExpectation> volumes;
    private readonly Dictionary<string, string> snapshots;
    private readonly Dictionary<string, string> safetySnapshots;
    private readonly HashSet<string> applied;

    public ContentModel()
        : this(new(StringComparer.Ordinal), new(StringComparer.Ordinal), new(StringComparer.Ordinal), new(StringComparer.Ordinal))
    {
    }

    private ContentModel(Dictionary<string, VolumeExpectation> volumes, Dictionary<string, string> snapshots, Dictionary<string, string> safetySnapshots, HashSet<string> applied)
    {
        this.volumes = volumes;
        this.snapshots = snapshots;
        this.safetySnapshots = safetySnapshots;
        this.applied = applied;
    }

    public ContentModel Clone() => new(new(volumes, StringComparer.Ordinal), new(snapshots, StringComparer.Ordinal), new(safetySnapshots, StringComparer.Ordinal), new(applied, StringComparer.Ordinal));

    public VolumeExpectation? Volume(string id) => volumes.GetValueOrDefault(id);

    public string? Snapshot(string id) => snapshots.GetValueOrDefault(id);

    public string? SafetySnapshot(string key) => safetySnapshots.GetValueOrDefault(key);

    /// <summary>The test wrote into an Available volume.</summary>
    public void Wrote(string volumeId, string hash) => volumes[volumeId] = VolumeExpectation.Exactly(hash);

    /// <summary>Moves the model on by every journal entry it has not seen yet, oldest first.</summary>
    public void Apply(InventoryState state)
    {
        foreach (var entry in state.Operations.OrderBy(o => o.StartedUtc).ThenBy(o => o.Id, StringComparer.Ordinal))
        {
            if (entry.State == OperationState.Running) continue;
            if (entry.State == OperationState.Recovered)
            {
                // Seen unfinished first (what the journal allowed then), then narrowed by which way the repair went.
                if (applied.Add(entry.Id)) Apply(entry with { State = OperationState.NeedsRecovery, Recovery = null }, state);
                if (applied.Add(entry.Id + "/recovered")) ApplyRecovered(entry, state);
                continue;
            }
            if (!applied.Add(entry.Id)) continue;
            Apply(entry, state);
        }
    }

    /// <summary>
    /// A repair settled the entry: rolled forward, the new contents are exact; rolled back, the old ones (an in-place
    /// restore's old bytes are its safety snapshot's). What the repair made of the objects is checked against that.
    /// </summary>
    private void ApplyRecovered(Operation entry, InventoryState state)
    {
        var forward = entry.Recovery == RecoveryDirection.RolledForward;
        var target = entry.TargetId ?? "";
        switch (entry.Kind)
        {
            case OperationKind.CreateVolume when forward && state.Volume(target) is { } volume:
                volumes[target] = VolumeExpectation.Exactly(ImageHash.OfZeros(volume.SizeBytes));
                return;
            case OperationKind.CloneVolume when forward:
                volumes[target] = VolumeExpectation.Exactly(snapshots[entry.Bag()["sourceSnapshotId"]]);
                return;
            case OperationKind.RevertSnapshot when forward:
                volumes[entry.Bag()["volumeId"]] = VolumeExpectation.Exactly(snapshots[target]);
                return;
            case OperationKind.RestoreFromCopy when entry.Bag().GetValueOrDefault("mode") == "InPlace":
                volumes[target] = forward
                    ? VolumeExpectation.Exactly(snapshots[entry.Bag()["copySnapshotId"]])
                    : VolumeExpectation.Exactly(safetySnapshots[entry.Bag()["safetySnapshotKey"]]);
                return;
            default:
                return; // rows removed, snapshots and copies keep the hash they were checked against
        }
    }

    private void Apply(Operation entry, InventoryState state)
    {
        var succeeded = entry.State == OperationState.Succeeded;
        var unfinished = entry.State == OperationState.NeedsRecovery;
        var cleanupFailed = entry.State == OperationState.Failed && (entry.Error ?? "").Contains("Cleanup also failed", StringComparison.Ordinal);
        var target = entry.TargetId ?? "";
        switch (entry.Kind)
        {
            case OperationKind.CreateVolume:
                {
                    var volume = state.Volume(target);
                    if (volume is null) return; // no row: no image may exist (checked against the files)
                    var zeros = ImageHash.OfZeros(volume.SizeBytes);
                    volumes[target] = succeeded ? VolumeExpectation.Exactly(zeros) : new VolumeExpectation(new HashSet<string> { zeros }, MayBeAbsent: true);
                    return;
                }
            case OperationKind.CloneVolume:
                {
                    var source = snapshots[entry.Bag()["sourceSnapshotId"]];
                    volumes[target] = succeeded ? VolumeExpectation.Exactly(source) : new VolumeExpectation(new HashSet<string> { source }, MayBeAbsent: true);
                    return;
                }
            case OperationKind.CreateSnapshot:
                // Whatever its fate, a snapshot image that exists holds the volume as it was (made under a temporary name).
                snapshots[target] = volumes[entry.Bag()["volumeId"]].Single;
                return;
            case OperationKind.RevertSnapshot:
                {
                    var volumeId = entry.Bag()["volumeId"];
                    var snapshot = snapshots[target];
                    if (succeeded) volumes[volumeId] = VolumeExpectation.Exactly(snapshot);
                    else if (unfinished) volumes[volumeId] = new VolumeExpectation(new HashSet<string>(volumes[volumeId].Hashes) { snapshot }); // atomic: old or new
                    return;
                }
            case OperationKind.DeleteVolume:
                if (!succeeded && volumes.TryGetValue(target, out var before)) volumes[target] = before with { MayBeAbsent = true };
                return;
            case OperationKind.DeleteSnapshot:
            case OperationKind.CopyToSecondary:
            case OperationKind.DeleteCopy:
                return; // snapshot images keep their hash; copies are checked against their snapshot's
            case OperationKind.RestoreFromCopy:
                {
                    var copied = snapshots[entry.Bag()["copySnapshotId"]];
                    if (entry.Bag().GetValueOrDefault("mode") == "NewVolume")
                    {
                        volumes[target] = succeeded ? VolumeExpectation.Exactly(copied) : new VolumeExpectation(new HashSet<string>(), Any: true, MayBeAbsent: true);
                        return;
                    }
                    var old = volumes[target];
                    if (entry.Bag().TryGetValue("safetySnapshotKey", out var key)) safetySnapshots[key] = old.Single;
                    if (succeeded) volumes[target] = VolumeExpectation.Exactly(copied);
                    else if (unfinished)
                    {
                        volumes[target] = entry.Bag().GetValueOrDefault("dataRestored") == "true" ? VolumeExpectation.Exactly(copied)
                            : entry.Bag().GetValueOrDefault("revertedToSafetySnapshot") == "true" ? old // undone before the process died
                            : entry.Bag().ContainsKey("safetySnapshotReference") ? new VolumeExpectation(new HashSet<string>(), Any: true)
                            : old; // nothing is written before the safety snapshot is journaled
                    }
                    else if (cleanupFailed || state.Volume(target)?.State == VolumeState.Error)
                    {
                        volumes[target] = new VolumeExpectation(new HashSet<string>(), Any: true);
                    }
                    return;
                }
            default:
                throw new InvalidOperationException($"The fault suite does not know operation kind {entry.Kind}.");
        }
    }
}

/// <summary>SHA-256 of whole images, as hex.</summary>
internal static class ImageHash
{
    private static readonly Dictionary<long, string> Zeros = new();

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

    public static string OfFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }

    public static string OfZeros(long length)
    {
        lock (Zeros)
        {
            if (!Zeros.TryGetValue(length, out var hash)) Zeros[length] = hash = Of(new byte[length]);
            return hash;
        }
    }
}
