using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace StorageSnapshot.Engine.Inventory;

/// <summary>
/// How a journal entry's <see cref="OperationDetails"/> is stored, for every inventory: a JSON object of the
/// record of the entry's kind, camelCase, enums by name, with a "version" member first —
/// <c>{"version":1,"snapshotKey":"…","volumeId":"…","volumeReference":"…"}</c>. The kind is not repeated in the
/// JSON: the entry's kind column says which record it is. A reader refuses a version newer than it knows
/// (written by a newer StorageSnapshot) and details that do not match their record, naming the entry.
/// </summary>
internal static class OperationDetailsJson
{
    /// <summary>The version this build writes and the newest it reads.</summary>
    public const int CurrentVersion = 1;

    private const string VersionMember = "version";

    /// <summary>The one details record of each operation kind.</summary>
    private static readonly IReadOnlyDictionary<OperationKind, Type> Records = new Dictionary<OperationKind, Type>
    {
        [OperationKind.CreateVolume] = typeof(CreateVolumeDetails),
        [OperationKind.CloneVolume] = typeof(CloneVolumeDetails),
        [OperationKind.DeleteVolume] = typeof(DeleteVolumeDetails),
        [OperationKind.CreateSnapshot] = typeof(CreateSnapshotDetails),
        [OperationKind.RevertSnapshot] = typeof(RevertSnapshotDetails),
        [OperationKind.DeleteSnapshot] = typeof(DeleteSnapshotDetails),
        [OperationKind.CopyToSecondary] = typeof(CopyToSecondaryDetails),
        [OperationKind.RestoreFromCopy] = typeof(RestoreFromCopyDetails),
        [OperationKind.DeleteCopy] = typeof(DeleteCopyDetails),
        [OperationKind.CollectChunks] = typeof(CollectChunksDetails),
        [OperationKind.RepairDrift] = typeof(RepairDriftDetails),
        [OperationKind.ImportCopies] = typeof(ImportCopiesDetails),
    };

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>The record type of <paramref name="kind"/>.</summary>
    public static Type RecordOf(OperationKind kind) =>
        Records.TryGetValue(kind, out var type) ? type : throw new InvalidOperationException($"Operation kind {kind} has no details record.");

    /// <summary>The stored form; null stays null. Details of another kind's record are a bug and throw.</summary>
    public static string? Write(OperationKind kind, OperationDetails? details)
    {
        if (details is null) return null;
        var type = RecordOf(kind);
        if (details.GetType() != type)
            throw new InvalidOperationException($"A {kind} journal entry carries {details.GetType().Name}; its details record is {type.Name}.");
        var json = JsonSerializer.SerializeToNode(details, type, Options)!.AsObject();
        var versioned = new JsonObject { [VersionMember] = CurrentVersion };
        foreach (var (name, value) in json.ToList())
        {
            json.Remove(name);
            versioned[name] = value;
        }
        return versioned.ToJsonString(Options);
    }

    /// <summary>The record stored as <paramref name="json"/> for an entry of <paramref name="kind"/>; null stays null.</summary>
    public static OperationDetails? Read(OperationKind kind, string? json, string operationId)
    {
        if (json is null) return null;
        try
        {
            var node = JsonNode.Parse(json) as JsonObject
                       ?? throw new JsonException("the details are not a JSON object");
            var version = node[VersionMember]?.GetValue<int>()
                          ?? throw new JsonException("the details have no version");
            if (version > CurrentVersion)
            {
                throw new InventoryUnavailableException(
                    $"Operation {operationId} has details of format version {version}, newer than the {CurrentVersion} this build reads; it was written by a newer StorageSnapshot.");
            }
            if (version < 1) throw new JsonException($"version {version} does not exist");
            node.Remove(VersionMember);
            return (OperationDetails)(node.Deserialize(RecordOf(kind), Options) ?? throw new JsonException("the details are null"));
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            throw new InventoryUnavailableException($"The details of operation {operationId} ({kind}) in the inventory cannot be read: {e.Message}", e);
        }
    }
}
