using Newtonsoft.Json;

namespace StorageSnapshot.Engine.Inventory;

/// <summary>
/// A policy's definition as stored: versioned JSON with explicit member names, so renaming a C# property never
/// changes what is on disk and a newer inventory is refused rather than misread.
/// </summary>
internal static class PolicyDefinitionJson
{
    public const int Version = 1;

    private static readonly JsonSerializerSettings Settings = new()
    {
        MissingMemberHandling = MissingMemberHandling.Ignore,
        NullValueHandling = NullValueHandling.Ignore,
        DateParseHandling = DateParseHandling.None,
    };

    public static string Write(SnapshotPolicy policy) => JsonConvert.SerializeObject(new Definition
    {
        V = Version,
        Description = policy.Description,
        Volumes = policy.Volumes.ToList(),
        Backends = policy.Backends.ToList(),
        Schedules = policy.Schedules.ToList(),
        TimeZone = policy.TimeZone,
        Retention = Rules.From(policy.Retention),
        Destination = policy.Destination,
        CopyRetention = Rules.From(policy.CopyRetention),
        SnapshotDescription = policy.SnapshotDescription,
        SnapshotTags = new Dictionary<string, string>(policy.SnapshotTags, StringComparer.OrdinalIgnoreCase),
        StartWindowSeconds = (long)policy.StartWindow.TotalSeconds,
        CatchUp = policy.CatchUp,
    }, Settings);

    public static SnapshotPolicy Read(string json, string id, string name, DateTime createdUtc, DateTime updatedUtc)
    {
        var d = JsonConvert.DeserializeObject<Definition>(json, Settings)
                ?? throw new InvalidDataException($"The definition of snapshot policy '{name}' is empty.");
        if (d.V > Version)
            throw new InvalidDataException($"The definition of snapshot policy '{name}' has version {d.V}, newer than the {Version} this build reads.");
        return new SnapshotPolicy
        {
            Id = id,
            Name = name,
            Description = d.Description,
            Volumes = d.Volumes ?? new List<string>(),
            Backends = d.Backends ?? new List<string>(),
            Schedules = d.Schedules ?? new List<string>(),
            TimeZone = d.TimeZone ?? "UTC",
            Retention = d.Retention?.ToRules() ?? new RetentionRules(),
            Destination = d.Destination,
            CopyRetention = d.CopyRetention?.ToRules() ?? new RetentionRules(),
            SnapshotDescription = d.SnapshotDescription,
            SnapshotTags = new Dictionary<string, string>(d.SnapshotTags ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase),
            StartWindow = TimeSpan.FromSeconds(d.StartWindowSeconds),
            CatchUp = d.CatchUp,
            CreatedUtc = createdUtc,
            UpdatedUtc = updatedUtc,
        };
    }

    private sealed class Definition
    {
        [JsonProperty("v")] public int V { get; set; }
        [JsonProperty("description")] public string? Description { get; set; }
        [JsonProperty("volumes")] public List<string>? Volumes { get; set; }
        [JsonProperty("backends")] public List<string>? Backends { get; set; }
        [JsonProperty("schedules")] public List<string>? Schedules { get; set; }
        [JsonProperty("timeZone")] public string? TimeZone { get; set; }
        [JsonProperty("retention")] public Rules? Retention { get; set; }
        [JsonProperty("destination")] public string? Destination { get; set; }
        [JsonProperty("copyRetention")] public Rules? CopyRetention { get; set; }
        [JsonProperty("snapshotDescription")] public string? SnapshotDescription { get; set; }
        [JsonProperty("snapshotTags")] public Dictionary<string, string>? SnapshotTags { get; set; }
        [JsonProperty("startWindowSeconds")] public long StartWindowSeconds { get; set; } = 3600;
        [JsonProperty("catchUp")] public bool CatchUp { get; set; }
    }

    private sealed class Rules
    {
        [JsonProperty("last")] public int Last { get; set; }
        [JsonProperty("hourly")] public int Hourly { get; set; }
        [JsonProperty("daily")] public int Daily { get; set; }
        [JsonProperty("weekly")] public int Weekly { get; set; }
        [JsonProperty("monthly")] public int Monthly { get; set; }
        [JsonProperty("yearly")] public int Yearly { get; set; }
        [JsonProperty("maxAgeSeconds")] public long? MaxAgeSeconds { get; set; }

        public static Rules From(RetentionRules r) => new()
        {
            Last = r.Last, Hourly = r.Hourly, Daily = r.Daily, Weekly = r.Weekly, Monthly = r.Monthly, Yearly = r.Yearly,
            MaxAgeSeconds = r.MaxAge is { } age ? (long)age.TotalSeconds : null,
        };

        public RetentionRules ToRules() => new()
        {
            Last = Last, Hourly = Hourly, Daily = Daily, Weekly = Weekly, Monthly = Monthly, Yearly = Yearly,
            MaxAge = MaxAgeSeconds is { } s ? TimeSpan.FromSeconds(s) : null,
        };
    }
}
