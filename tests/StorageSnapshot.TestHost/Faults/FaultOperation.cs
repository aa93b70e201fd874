using System.Text.Json;
using System.Text.Json.Serialization;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.TestHost.Faults;

/// <summary>The operation kinds the fault suite drives, each one façade call.</summary>
public enum FaultOperationKind
{
    CreateVolume,
    CreateSnapshot,
    Revert,
    Clone,
    DeleteSnapshot,
    DeleteVolume,
    Copy,
    RestoreInPlace,
    RestoreNewVolume,
    RemoveCopy,
}

/// <summary>
/// One operation of the fault suite, as data, so that the test process and a child process run exactly the same
/// façade call: volumes by name on backend <see cref="Backend"/>, snapshots and copies by id, copies to
/// <see cref="Destination"/>.
/// </summary>
public sealed record FaultOperation
{
    /// <summary>The backend every fault world registers.</summary>
    public const string Backend = "lab";

    /// <summary>The secondary storage every fault world registers.</summary>
    public const string Destination = "nfs1";

    public required FaultOperationKind Kind { get; init; }

    /// <summary>The volume acted on (CreateVolume, CreateSnapshot, DeleteVolume), by name.</summary>
    public string? Volume { get; init; }

    /// <summary>The snapshot acted on (Revert, Clone, DeleteSnapshot, Copy), by id.</summary>
    public string? Snapshot { get; init; }

    /// <summary>The copy acted on (the restores, RemoveCopy), by id.</summary>
    public string? Copy { get; init; }

    /// <summary>The new volume's or snapshot's name (CreateVolume uses <see cref="Volume"/>).</summary>
    public string? NewName { get; init; }

    /// <summary>Size of a new empty volume.</summary>
    public long SizeBytes { get; init; }

    /// <summary>DeleteVolume: remove its snapshots first.</summary>
    public bool IncludeSnapshots { get; init; }

    /// <summary>Copy: read everything.</summary>
    public bool Full { get; init; }

    /// <summary>Runs the call; returns what it made or did, in a word or an id.</summary>
    public async Task<string> RunAsync(StorageSnapshotEngine engine, OperationContext context)
    {
        switch (Kind)
        {
            case FaultOperationKind.CreateVolume:
                return (await engine.NewVolumeAsync(new NewVolumeRequest(Backend, Volume!, SizeBytes), context).ConfigureAwait(false))!.Id;
            case FaultOperationKind.CreateSnapshot:
                return (await engine.NewSnapshotAsync(new NewSnapshotRequest(new VolumeSelector(Backend: Backend, Name: Volume)) { Name = NewName }, context).ConfigureAwait(false))!.Id;
            case FaultOperationKind.Revert:
                return (await engine.RevertSnapshotAsync(new SnapshotSelector(Id: Snapshot), context).ConfigureAwait(false))!.Id;
            case FaultOperationKind.Clone:
                return (await engine.CloneVolumeAsync(new CloneVolumeRequest(NewName!, new SnapshotSelector(Id: Snapshot)), context).ConfigureAwait(false))!.Id;
            case FaultOperationKind.DeleteSnapshot:
                return (await engine.RemoveSnapshotAsync(new SnapshotSelector(Id: Snapshot), context).ConfigureAwait(false)).ToString();
            case FaultOperationKind.DeleteVolume:
                return (await engine.RemoveVolumeAsync(new RemoveVolumeRequest(new VolumeSelector(Backend: Backend, Name: Volume), IncludeSnapshots), context).ConfigureAwait(false)).ToString();
            case FaultOperationKind.Copy:
                return (await engine.CopySnapshotToSecondaryAsync(new CopySnapshotRequest(new SnapshotSelector(Id: Snapshot), Destination, Full), context).ConfigureAwait(false))!.Id;
            case FaultOperationKind.RestoreInPlace:
                return (await engine.RestoreSnapshotFromCopyAsync(Copy!, context).ConfigureAwait(false))!.Id;
            case FaultOperationKind.RestoreNewVolume:
                return (await engine.NewVolumeFromCopyAsync(new NewVolumeFromCopyRequest(NewName!, Copy!), context).ConfigureAwait(false))!.Id;
            case FaultOperationKind.RemoveCopy:
                return (await engine.RemoveSnapshotCopyAsync(Copy!, context).ConfigureAwait(false)).ToString();
            default:
                throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "unknown operation");
        }
    }

    /// <inheritdoc />
    public override string ToString() => Kind + " " + string.Join(" ", new[] { Volume, Snapshot, Copy, NewName }.Where(s => s is not null));
}

/// <summary>What a child process of the fault suite is told to do: one operation, with faults or none.</summary>
public sealed record FaultRun
{
    public required FaultOperation Operation { get; init; }

    /// <summary>The first fault (none: the operation runs clean, to be killed from outside or to count calls).</summary>
    public FaultInjection? First { get; init; }

    /// <summary>A second fault, on a control call after the first struck (compensation).</summary>
    public FaultInjection? Second { get; init; }

    /// <summary>How long a hang lasts where the caller cannot cancel it.</summary>
    public int HangTimeoutMs { get; init; } = 300;

    /// <summary>When set, the caller cancels the operation after this long (Ctrl+C, a runbook's timeout).</summary>
    public int? CancelAfterMs { get; init; }

    /// <summary>The engine's lock timeout.</summary>
    public int LockTimeoutMs { get; init; } = 5000;

    public string ToJson() => JsonSerializer.Serialize(this, FaultRunJson.Default.FaultRun);

    public static FaultRun FromJson(string json) => JsonSerializer.Deserialize(json, FaultRunJson.Default.FaultRun) ?? throw new ArgumentException("empty fault run", nameof(json));
}

/// <summary>Source-generated serialization: no reflection to JIT in every child process (they start hundreds of times).</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(FaultRun))]
internal sealed partial class FaultRunJson : JsonSerializerContext
{
}
